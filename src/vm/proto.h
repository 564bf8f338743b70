/* The wire protocol between moat (host) and moat-agent (guest PID 1), carried
 * on the guest's second serial port (ttyS1, raw mode) and a socket on the host.
 *
 * Every message is one frame: a 6-byte header, then len bytes of payload.
 *   'M' 'T' version type len_lo len_hi
 * A reader rejects a frame with a wrong magic or version, an unknown type, or
 * a length above the type's bound: there is no resynchronisation, a bad frame
 * ends the session.  Integers are little-endian.
 *
 * guest -> host: HELLO (agent ready, empty), STDOUT and STDERR (process
 *   output), EXIT (4 bytes: the status as a shell reports it), FAIL (agent
 *   setup failed: one line of text; the agent powers off after it).
 * host -> guest: SPEC (once, after HELLO: TLV fields below), SIGNAL (1 byte:
 *   a signal number for the container process). */
#ifndef MOAT_VM_PROTO_H
#define MOAT_VM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VMP_MAGIC0 'M'
#define VMP_MAGIC1 'T'
#define VMP_VERSION 1
#define VMP_HEADER 6
#define VMP_MAX_PAYLOAD 65535u /* the 16-bit length */
#define VMP_OUTPUT_CHUNK 4096u /* STDOUT/STDERR frames the agent sends */

enum vmp_type {
	VMP_HELLO = 1,
	VMP_STDOUT = 2,
	VMP_STDERR = 3,
	VMP_EXIT = 4,
	VMP_FAIL = 5,
	VMP_SPEC = 16,
	VMP_SIGNAL = 17,
};

/* SPEC fields: tag (1 byte), length (2 bytes), value.  Strings carry no NUL
 * and may not contain one; ARG, ENV and GID_EXTRA repeat. */
enum vmp_tag {
	VMT_ARG = 1,
	VMT_ENV = 2,
	VMT_CWD = 3,
	VMT_HOSTNAME = 4,
	VMT_UID = 5,       /* 4 bytes */
	VMT_GID = 6,       /* 4 bytes */
	VMT_GID_EXTRA = 7, /* 4 bytes */
	VMT_READONLY = 8,  /* 1 byte: mount the shared rootfs read-only */
};

/* The largest payload each type may carry; 0 for unknown types. */
static inline size_t vmp_max_len(unsigned type)
{
	switch (type) {
	case VMP_HELLO:
		return 0;
	case VMP_STDOUT:
	case VMP_STDERR:
		return VMP_OUTPUT_CHUNK;
	case VMP_EXIT:
		return 4;
	case VMP_FAIL:
		return 512;
	case VMP_SPEC:
		return VMP_MAX_PAYLOAD;
	case VMP_SIGNAL:
		return 1;
	default:
		return 0;
	}
}

static inline int vmp_known(unsigned type)
{
	return type == VMP_HELLO || type == VMP_STDOUT || type == VMP_STDERR || type == VMP_EXIT ||
	       type == VMP_FAIL || type == VMP_SPEC || type == VMP_SIGNAL;
}

static inline void vmp_header(uint8_t h[VMP_HEADER], unsigned type, size_t len)
{
	h[0] = VMP_MAGIC0;
	h[1] = VMP_MAGIC1;
	h[2] = VMP_VERSION;
	h[3] = (uint8_t)type;
	h[4] = (uint8_t)(len & 0xff);
	h[5] = (uint8_t)(len >> 8);
}

/* Check a header: 0 and *type, *len set, or -1 if the frame is not acceptable. */
static inline int vmp_parse_header(const uint8_t h[VMP_HEADER], unsigned *type, size_t *len)
{
	if (h[0] != VMP_MAGIC0 || h[1] != VMP_MAGIC1 || h[2] != VMP_VERSION || !vmp_known(h[3]))
		return -1;
	*type = h[3];
	*len = (size_t)h[4] | (size_t)h[5] << 8;
	return *len <= vmp_max_len(*type) ? 0 : -1;
}

static inline uint32_t vmp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void vmp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
