/* SPDX-License-Identifier: GPL-2.0 */
/* Destroying many BPF links at once. */
#ifndef LS_LINKS_H
#define LS_LINKS_H

struct bpf_link;

/* Destroy links[0..n) (NULL entries skipped) and set them to NULL.  A
 * syscall tracepoint link's release waits for RCU grace periods: 1.3 s
 * for leakscope's programs one after another on this project's VM.  From
 * threads of their own (at most 128) it takes 0.65 to 0.8 s: the kernel
 * holds a mutex across each wait, so only part of them overlap. */
void links__destroy(struct bpf_link **links, unsigned n);

#endif
