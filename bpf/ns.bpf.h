/* SPDX-License-Identifier: GPL-2.0 */
/* setns()/unshare(): each call with what its fd really was. (to come) */
#ifndef LS_NS_BPF_H
#define LS_NS_BPF_H
#include "common.bpf.h"
#endif
