// SPDX-License-Identifier: GPL-2.0
/* leakscope's BPF programs: one object, one file per job. */
#include "common.bpf.h"
#include "mem.bpf.h"
#include "proc.bpf.h"
#include "sock.bpf.h"
#include "sock_open.bpf.h"
#include "sock_close.bpf.h"
#include "sock_state.bpf.h"
#include "ns.bpf.h"

char LICENSE[] SEC("license") = "GPL";
