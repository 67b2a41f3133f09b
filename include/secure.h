/*
 * Keeping TSIG secrets out of places they do not belong.  Both programs
 * call this first: no core dumps (a core would hold the key material), no
 * ptrace or /proc/PID/mem access by other processes of the same user.
 */
#ifndef XFED_SECURE_H
#define XFED_SECURE_H

void	xfed_no_core_dumps(void);

#endif
