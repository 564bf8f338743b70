/* --sandbox=vm: the container's process runs in a QEMU microVM whose PID 1 is
 * moat's guest agent (src/agent/agent.c), talking to moat over the protocol
 * of vm/proto.h.
 *
 *   vm_run        the whole foreground `run`: claims the id, boots the VM,
 *                 relays output and signals, returns the process's status,
 *                 and leaves no process or state directory behind.
 *   vm_boot_files the guest kernel and the initramfs (built on first use and
 *                 cached under <root>/.cache/vm/, keyed by kernel, modules
 *                 and agent binary), and the kernel decompressed for a PVH
 *                 boot where it supports one. */
#ifndef MOAT_VM_VM_H
#define MOAT_VM_VM_H

#include <limits.h>

#include "oci/spec.h"
#include "util/error.h"

/* The refusal of every command but a foreground `run` at level vm. */
#define VM_FOREGROUND_ONLY "sandbox level vm supports `run` in the foreground only in this version"

struct vm_boot {
	char kernel[PATH_MAX];    /* /boot/vmlinuz-<release> */
	char release[256];        /* its release, naming /lib/modules/<release> */
	char image[PATH_MAX];     /* what QEMU boots: the cached vmlinux, or kernel */
	char initramfs[PATH_MAX]; /* the cached initramfs */
};

/* The guest kernel: $MOAT_VM_KERNEL, else /boot/vmlinuz-$(uname -r), else the
 * newest /boot/vmlinuz-*.  Fills kernel and release. */
int vm_find_kernel(struct vm_boot *boot, struct moat_err *err);
/* The kernel, its uncompressed image, and the initramfs for it, from the
 * cache or built. */
int vm_boot_files(const char *root, struct vm_boot *boot, struct moat_err *err);

/* Returns the exit status as a shell reports it (code, or 128+signal), or -errno. */
int vm_run(const char *root, const char *id, const struct oci_spec *spec, struct moat_err *err);

#endif
