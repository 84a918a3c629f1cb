// SPDX-License-Identifier: GPL-2.0
/*
 * insn-count: a QEMU TCG plugin that counts the guest instructions each
 * translation block executes, and writes the counts out (then zeroes them)
 * whenever a block that begins with the marker instruction runs (what
 * `dmr-bench mark` executes in the guest: movabs $"markmark", %rax).
 *
 *   -plugin insn-count.so,out=FILE
 *
 * FILE gets one section per marker hit: "@mark N", then "VADDR COUNT" for
 * every block start with instructions since the last marker.  Under
 * -icount -smp 1 the counts are exact up to blocks left early by an
 * interrupt or a fault (rare next to what a phase runs).  Built against
 * the plugin API of QEMU 7.2 (QEMU_PLUGIN_VERSION 1), declared here: the
 * distribution ships no qemu-plugin.h.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The part of QEMU's plugin API (include/qemu/qemu-plugin.h) used here. */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

/* One translation of a block (a block translated again gets another). */
struct block {
	uint64_t vaddr;
	uint64_t insns;
};

#define CHUNK 65536
static struct block **chunks;
static size_t nr_blocks, nr_chunks;
/* movabs $0x6b72616d6b72616d, %rax: "markmark" (tests/vm/tools/dmr-bench.c) */
static const unsigned char marker[] = {
	0x48, 0xb8, 'm', 'a', 'r', 'k', 'm', 'a', 'r', 'k'
};
static unsigned long marks;
static FILE *out;

static struct block *block_new(uint64_t vaddr)
{
	struct block *b;

	if (nr_blocks == nr_chunks * CHUNK) {
		chunks = realloc(chunks, ++nr_chunks * sizeof(*chunks));
		if (!chunks || !(chunks[nr_chunks - 1] = calloc(CHUNK, sizeof(**chunks)))) {
			fprintf(stderr, "insn-count: out of memory\n");
			abort();
		}
	}
	b = &chunks[nr_blocks / CHUNK][nr_blocks % CHUNK];
	nr_blocks++;
	b->vaddr = vaddr;
	return b;
}

static void dump(void)
{
	size_t i;

	fprintf(out, "@mark %lu\n", marks++);
	for (i = 0; i < nr_blocks; i++) {
		struct block *b = &chunks[i / CHUNK][i % CHUNK];

		if (b->insns) {
			fprintf(out, "%" PRIx64 " %" PRIu64 "\n", b->vaddr, b->insns);
			b->insns = 0;
		}
	}
	fflush(out);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	dump();
}

static bool is_marker(const struct qemu_plugin_insn *insn)
{
	return qemu_plugin_insn_size(insn) == sizeof(marker) &&
	       !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker));
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b = block_new(vaddr);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->insns, qemu_plugin_tb_n_insns(tb));
	if (qemu_plugin_tb_n_insns(tb) && is_marker(qemu_plugin_tb_get_insn(tb, 0)))
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	dump();
	fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv)
{
	const char *file = NULL;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			file = argv[i] + 4;
	}
	if (!file || !(out = fopen(file, "w"))) {
		fprintf(stderr, "insn-count: needs a writable out=FILE\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
