/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libdmremap stand-in of stub-lib.c: its script and its record. */
#ifndef STUB_LIB_H
#define STUB_LIB_H

#include "dmremap.h"

#define STUB_MAX_DEVS 4
#define STUB_MAX_ENTRIES 4

struct stub_state {
	/* script */
	int target_ret, create_ret, dump_ret;
	int list_ret;			/* dmr_list fails with this */
	bool entries_fail_midway;	/* dmr_json_entries fails after its start */
	const char *list_error;		/* and this message */
	enum dmr_remap_result remap_result;
	struct dmr_status dev[STUB_MAX_DEVS];
	size_t ndev;
	struct dmr_entry entries[STUB_MAX_ENTRIES];
	size_t nentries;
	/* record */
	int create_calls, remove_calls, status_calls, suppress_calls;
	int remap_calls, clear_calls, target_calls, entries_calls;
	char create_name[128], create_main[256], create_spare[256];
	char create_uuid[129];
	struct dmr_create_opts create_opts;
	uint64_t remap_block;
	/* dmremaptab, devices and spares (the 1.1 functions) */
	int tab_ret;				/* dmr_tab_read fails so */
	struct dmr_tab_entry *tab[STUB_MAX_DEVS];
	size_t ntab;
	const char *tab_errors[2];
	size_t ntab_errors;
	char tab_path[256];			/* asked for ("" = default) */
	const char *resolve[STUB_MAX_DEVS][2];	/* spec -> path */
	const char *matches[STUB_MAX_DEVS][2];	/* spec matches dev */
	const char *spare_dev;			/* carries stub.spare_fid */
	uint64_t spare_fid;
	const char *create_question;		/* asked to the confirm fn */
	const char *create_note;		/* logged on success */
	unsigned int create_flags;
	int confirm_answers;			/* confirm fn calls that said yes */
};

extern struct stub_state stub;

void stub_reset(void);
/* A tab line for the stub's dmr_tab_read (the strings are not copied). */
struct dmr_tab_entry *stub_tab(const char *name, const char *main_dev,
			       const char *spare_dev, unsigned int flags);
struct dmr_status *stub_add_device(const char *name, uint64_t spare_used,
				   uint64_t spare_total, uint64_t pending);

#endif
