#ifndef CNFTABLES_SHIM_H
#define CNFTABLES_SHIM_H

/* glibc's <netinet/in.h> must come before the linux headers, or Swift sees two definitions of in_addr. */
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_log.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

/* setns(2) is declared only with _GNU_SOURCE, which Swift's Glibc module lacks; syscall(2) is variadic. */
static inline int cnft_setns(int fd, int nstype) {
    return (int)syscall(SYS_setns, fd, nstype);
}

#endif
