# etcd.mk - the etcd v3 client of common/ (etcd.c, etcdmsg.c) links
# libcurl and jansson.  Included by the top-level Makefile.

PKGS += libcurl jansson
