/*
 * dp.c - texts for the project-wide status codes.
 */
#include "dp.h"

const char *dp_strerror(int status)
{
	switch (status) {
	case DP_OK:
		return "success";
	case DP_ENOMEM:
		return "out of memory";
	case DP_EINVAL:
		return "invalid argument";
	case DP_EIO:
		return "input/output error";
	case DP_ENOENT:
		return "not found";
	case DP_EPARSE:
		return "parse error";
	case DP_EDB:
		return "database error";
	case DP_EFOREIGN:
		return "database belongs to another program or version";
	case DP_ERANGE:
		return "value out of range";
	case DP_ESPACE:
		return "no space left in buffer";
	case DP_EEXIST:
		return "already exists";
	case DP_ESIGNED:
		return "signed message";
	case DP_EAGAIN:
		return "overtaken, run again";
	case DP_EUNREACHABLE:
		return "store unreachable";
	case DP_ENOLEADER:
		return "store has no leader";
	case DP_ETIMEDOUT:
		return "store timed out";
	case DP_ECOMPARE:
		return "compare failed";
	case DP_ETOOLARGE:
		return "request too large";
	case DP_EBADRESP:
		return "bad response";
	case DP_ECOMPACTED:
		return "revision compacted";
	case DP_ECANCELED:
		return "canceled";
	}
	return "unknown error";
}
