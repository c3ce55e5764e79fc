/*
 * dp.h - the project-wide status codes and version.
 *
 * Every function that can fail returns a dp_status: DP_OK (zero) on
 * success, a negative code otherwise.  A DNS rcode is a separate output of
 * the protocol functions and is never mixed into this enum.
 */
#ifndef DP_H
#define DP_H

/* Every program's version: the package's (debian/changelog; a test
 * checks they agree). */
#define DP_VERSION "0.23.0"

enum dp_status {
	DP_OK = 0,
	DP_ENOMEM = -1,   /* allocation failed */
	DP_EINVAL = -2,   /* invalid argument or input */
	DP_EIO = -3,      /* read, write or socket error */
	DP_ENOENT = -4,   /* no such file, zone or name */
	DP_EPARSE = -5,   /* a file or message could not be parsed */
	DP_EDB = -6,      /* SQLite reported an error */
	DP_EFOREIGN = -7, /* a database of another program or version */
	DP_ERANGE = -8,   /* a value is out of its bounds */
	DP_ESPACE = -9,   /* a buffer is too small */
	DP_EEXIST = -10,  /* the thing already exists */
	DP_ESIGNED = -11, /* a signed message: needs the key ring */
	DP_EAGAIN = -12,  /* overtaken by newer input: run again now */
	/* A remote store (etcd): */
	DP_EUNREACHABLE = -13, /* no member could be reached */
	DP_ENOLEADER = -14,    /* members answer, but have no leader */
	DP_ETIMEDOUT = -15,  /* no answer in time; a write may have happened */
	DP_ECOMPARE = -16,   /* a transaction's compares failed */
	DP_ETOOLARGE = -17,  /* the request is over the store's limit */
	DP_EBADRESP = -18,   /* the answer could not be understood */
	DP_ECOMPACTED = -19, /* the revision asked for is compacted away */
	DP_ECANCELED = -20,  /* the request was dropped (client closed) */
};

typedef enum dp_status dp_status;

/*
 * dp_strerror - a static, human readable text for a status code.
 */
const char *dp_strerror(int status);

#endif /* DP_H */
