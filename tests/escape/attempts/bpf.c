/* bpf(): the verifier and JIT are a classic way into the kernel.  A map or a
 * loaded program is the escape: first an array map, then a two-instruction
 * socket filter ("return 0"). */
#include "escape.h"

#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(bpf)
{
	(void)argc;
	(void)argv;
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd >= 0)
		escaped("BPF_MAP_CREATE returned fd %ld", fd);
	int e1 = errno;
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (unsigned long)prog;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		escaped("BPF_PROG_LOAD (socket filter) returned fd %ld", fd);
	blocked("BPF_MAP_CREATE: %s; BPF_PROG_LOAD: %s", en(e1), en(errno));
}
