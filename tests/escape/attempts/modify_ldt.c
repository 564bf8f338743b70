/* modify_ldt: a custom LDT has been the way into several kernel bugs
 * (CVE-2015-5157, CVE-2015-8104, CVE-2017-17053).  Installing one harmless
 * data segment in this process's LDT is the escape. */
#include "escape.h"

#include <asm/ldt.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(modify_ldt)
{
	(void)argc;
	(void)argv;
	struct user_desc d;
	memset(&d, 0, sizeof(d));
	d.entry_number = 0;
	d.base_addr = 0;
	d.limit = 0xfff;
	d.seg_32bit = 1;
	d.contents = 0; /* data */
	d.read_exec_only = 0;
	d.limit_in_pages = 0;
	d.seg_not_present = 0;
	d.useable = 1;
	long r = syscall(SYS_modify_ldt, 1, &d, sizeof(d));
	if (r == 0)
		escaped("modify_ldt(1) installed an LDT entry");
	blocked("modify_ldt(1): %s", en(errno));
}
