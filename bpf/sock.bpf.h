/* SPDX-License-Identifier: GPL-2.0 */
/* Socket lifecycle: unix connections paired end to end, TCP states. (to come) */
#ifndef LS_SOCK_BPF_H
#define LS_SOCK_BPF_H
#include "common.bpf.h"
#endif
