/* SPDX-License-Identifier: GPL-2.0 */
/* Destroying many BPF links at once. */
#ifndef LS_LINKS_H
#define LS_LINKS_H

struct bpf_link;

/* Destroy links[0..n) (NULL entries skipped) and set them to NULL.  A
 * tracepoint link's release waits for RCU grace periods (about 70 ms each
 * on this project's VM: 1.3 s for leakscope's programs one after another);
 * the links are destroyed from threads of their own, so the waits overlap. */
void links__destroy(struct bpf_link **links, unsigned n);

#endif
