// SPDX-License-Identifier: GPL-2.0
/*
 * --heap's floor: empty programs on exactly --heap's attach points (an
 * entry uprobe per allocation function and free, a uretprobe per
 * allocation function).  What a malloc/free loop loses with these is what
 * any uprobe tracer pays; leakscope --heap's cost is measured against it.
 * Keep in step with bpf/heap.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int heap_empty_entry(void *ctx) { return 0; }

SEC("uretprobe")
int heap_empty_ret(void *ctx) { return 0; }
