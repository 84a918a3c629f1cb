// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: manage dm-remap devices.  See dmremapctl(8).
 */
#include "ctl.h"

int main(int argc, char **argv)
{
	return ctl_main(argc, argv, stdout, stderr);
}
