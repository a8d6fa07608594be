/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hook engine: re-point kernel static calls (and, where needed,
 * redirect an exported function through ftrace) at a module's wrappers,
 * all or nothing, and take them back so that no CPU runs or returns into
 * module text afterwards.  It knows nothing about PMUs: a user describes
 * its hooks in a table and writes its wrappers with vpmu_hook_enter() and
 * vpmu_hook_exit().  Documentation/hook.rst has the argument.
 *
 * Each module that links the engine has its own copy of it (one SRCU
 * domain, one per-CPU call counter array) and uses one table.
 */
#ifndef VPMU_HOOK_H
#define VPMU_HOOK_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/srcu.h>
#include <linux/static_call.h>
#include <linux/types.h>

struct seq_file;

/* Most hooks a table may hold: the per-CPU call counters are sized by it. */
#define VPMU_HOOK_MAX		24
/* Most distinct modules a table may pin. */
#define VPMU_HOOK_MAX_OBJECTS	4
/* The object name that means the kernel image rather than a module. */
#define VPMU_HOOK_VMLINUX	"vmlinux"

/**
 * enum vpmu_hook_kind - how a hook reaches its function
 * @VPMU_HOOK_STATIC_CALL: re-point a static call: its key
 *	(``__SCK__<name>``) and trampoline (``__SCT__<name>``) are looked up,
 *	the call sites and trampoline are patched by __static_call_update().
 * @VPMU_HOOK_FTRACE: redirect every call of function ``<name>`` to the
 *	wrapper with an ftrace IPMODIFY handler.  Calls from this module's
 *	text, the wrapper's own call of the original, are not redirected.
 */
enum vpmu_hook_kind {
	VPMU_HOOK_STATIC_CALL,
	VPMU_HOOK_FTRACE,
};

/**
 * enum vpmu_hook_state - where one hook stands
 * @VPMU_HOOK_IDLE: described, nothing resolved
 * @VPMU_HOOK_RESOLVED: symbols found and checked, nothing changed
 * @VPMU_HOOK_INSTALLED: calls reach the wrapper
 * @VPMU_HOOK_SKIPPED: optional hook whose static call had no target
 * @VPMU_HOOK_FOREIGN: at removal the target was no longer our wrapper;
 *	left as found
 */
enum vpmu_hook_state {
	VPMU_HOOK_IDLE,
	VPMU_HOOK_RESOLVED,
	VPMU_HOOK_INSTALLED,
	VPMU_HOOK_SKIPPED,
	VPMU_HOOK_FOREIGN,
};

/* The static call may have no target (a NULL optional op): skip it then. */
#define VPMU_HOOK_OPTIONAL	BIT(0)
/*
 * After this hook is taken back, wait until no CPU can still act on what
 * it returned before taking back the hooks installed before it.  Set it
 * on a hook whose result makes the kernel call a later-removed one (a
 * wrapper that claims an MSR, whose accesses another wrapper serves).
 */
#define VPMU_HOOK_DRAIN		BIT(1)
/*
 * The wrapper only ever runs with interrupts disabled and takes no SRCU
 * read lock: the RCU grace period of every removal covers it
 * (Documentation/hook.rst, "Unload safety").  For the VM-entry path.
 */
#define VPMU_HOOK_ATOMIC	BIT(2)

/**
 * VPMU_HOOK_ORIG() - the static call a wrapper calls its original through
 * @name: a static call of the user's, DEFINE_STATIC_CALL_NULL(@name, wrapper)
 *
 * For the description of a hook: at install the engine points @name at
 * the original, so the wrapper's static_call(@name)() is a direct call.
 * An indirect call would need the original's ENDBR, which IBT kernels
 * seal in every function whose address the kernel never takes.
 */
#define VPMU_HOOK_ORIG(name)						\
	.orig_key = &__SCK__##name,					\
	.orig_tramp = &__SCT__##name

/**
 * struct vpmu_hook - one hook: description, then engine state
 * @kind: static call or ftrace redirection
 * @name: static call name (without ``__SCK__``) or function name
 * @object: where the key (or the function) lives: "vmlinux" or a module
 * @target: static calls: where the current target must live ("vmlinux"
 *	or a module); anything else is someone else's hook: a refusal
 * @wrapper: our function, with the prototype of the static call
 * @mirror: symbol in @object of a struct whose member at @mirror_offset
 *	holds the same function as the key (KVM reads some ops from the
 *	struct): checked equal before install, kept in step; NULL if none
 * @mirror_offset: byte offset of that member
 * @flags: VPMU_HOOK_OPTIONAL, VPMU_HOOK_DRAIN, VPMU_HOOK_ATOMIC
 * @orig_key: the user's static call that reaches the original (set with
 *	VPMU_HOOK_ORIG())
 * @orig_tramp: its trampoline
 * @orig: the target found at install
 * @key: resolved static call key
 * @tramp: resolved static call trampoline
 * @slot: resolved mirror member, or NULL
 * @func: ftrace: the redirected function
 * @state: see enum vpmu_hook_state
 * @fops: ftrace: the IPMODIFY handler's ops
 */
struct vpmu_hook {
	enum vpmu_hook_kind kind;
	const char *name;
	const char *object;
	const char *target;
	void *wrapper;
	const char *mirror;
	unsigned int mirror_offset;
	unsigned int flags;
	struct static_call_key *orig_key;
	void *orig_tramp;

	void *orig;
	struct static_call_key *key;
	void *tramp;
	void **slot;
	unsigned long func;
	enum vpmu_hook_state state;
#ifdef CONFIG_DYNAMIC_FTRACE
	struct ftrace_ops fops;
#endif
};

/**
 * struct vpmu_hook_table - the hooks of one module
 * @hooks: the hooks, installed in this order and removed in reverse
 * @nr: number of hooks, at most VPMU_HOOK_MAX
 * @pinned: modules pinned (module references) while the table is resolved
 * @nr_pinned: entries used in @pinned
 * @why: after a failure, what failed, for the caller's one log line
 */
struct vpmu_hook_table {
	struct vpmu_hook *hooks;
	unsigned int nr;
	struct module *pinned[VPMU_HOOK_MAX_OBJECTS];
	unsigned int nr_pinned;
	char why[192];
};

extern struct srcu_struct vpmu_hook_srcu;
DECLARE_PER_CPU(unsigned long, vpmu_hook_count[VPMU_HOOK_MAX]);

/**
 * vpmu_hook_enter() - first statement of every wrapper that may sleep
 * @nr: the hook's index in the table
 *
 * Counts the call on this CPU (one unlocked per-CPU increment) and enters
 * the engine's SRCU read side, which keeps the module from being freed
 * while the wrapper, or the original it calls, runs.  No lock, no atomic
 * read-modify-write on a shared cache line.
 *
 * Return: the SRCU index to hand to vpmu_hook_exit().
 */
static __always_inline int vpmu_hook_enter(unsigned int nr)
	__acquires(&vpmu_hook_srcu)
{
	this_cpu_inc(vpmu_hook_count[nr]);
	return srcu_read_lock(&vpmu_hook_srcu);
}

/**
 * vpmu_hook_exit() - last statement of every wrapper before it returns
 * @idx: what vpmu_hook_enter() returned
 */
static __always_inline void vpmu_hook_exit(int idx)
	__releases(&vpmu_hook_srcu)
{
	srcu_read_unlock(&vpmu_hook_srcu, idx);
}

/**
 * vpmu_hook_enter_atomic() - first statement of a VPMU_HOOK_ATOMIC wrapper
 * @nr: the hook's index in the table
 *
 * Only counts the call: interrupts are off for the whole wrapper, which is
 * an RCU read-side critical section that every removal waits for.
 */
static __always_inline void vpmu_hook_enter_atomic(unsigned int nr)
{
	lockdep_assert_irqs_disabled();
	this_cpu_inc(vpmu_hook_count[nr]);
}

/**
 * vpmu_hook_engine_init() - set up the engine's SRCU domain
 *
 * Return: 0 or a negative errno.
 */
int vpmu_hook_engine_init(void);

/**
 * vpmu_hook_engine_exit() - tear the SRCU domain down; no hook installed
 */
void vpmu_hook_engine_exit(void);

/**
 * vpmu_hook_lookup() - kallsyms_lookup_name() without linking to it
 * @name: "symbol" (vmlinux first, then modules) or "module:symbol"
 *
 * The first call finds kallsyms_lookup_name() through a kprobe, or takes
 * the address given in the kallsyms_lookup_name module parameter, and
 * checks that the address is the start of that function.
 *
 * Return: the address, or 0 if not found (or kallsyms is unavailable).
 */
unsigned long vpmu_hook_lookup(const char *name);

/**
 * vpmu_hook_lookup_init() - find kallsyms_lookup_name() now
 *
 * Return: 0, or a negative errno (the kprobe's, or -ENOENT/-EFAULT when
 * the address parameter does not point at kallsyms_lookup_name).
 */
int vpmu_hook_lookup_init(void);

/**
 * vpmu_hook_pin() - take a module reference on a loaded, live module
 * @t: the table that keeps the reference until vpmu_hook_release()
 * @object: module name ("vmlinux" pins nothing)
 * @mod: the module on success (NULL for vmlinux); may be NULL
 *
 * Pinning the same module twice takes one reference.
 *
 * Return: 0, -ENXIO if it is not loaded or not live, -ENOSPC if the table
 * pins too many modules.
 */
int vpmu_hook_pin(struct vpmu_hook_table *t, const char *object,
		  struct module **mod);

/**
 * vpmu_hook_symbol() - look a symbol up and check that it is @object's
 * @t: the table whose pinned modules are used (@object is pinned if not yet)
 * @object: "vmlinux" or a module name
 * @name: symbol name
 * @text: the symbol must be in the object's text
 * @addr: the address, on success
 *
 * Return: 0, -ENOENT if missing, -EFAULT if it is not in @object, or what
 * vpmu_hook_pin() returned.  @t->why says which.
 */
int vpmu_hook_symbol(struct vpmu_hook_table *t, const char *object,
		     const char *name, bool text, unsigned long *addr);

/**
 * vpmu_hook_is_function_of() - is @fn the first byte of a function in the
 *	text of @object?
 * @t: the table (@object is pinned through it)
 * @object: "vmlinux" or a module name
 * @fn: the address
 *
 * Return: true if so.
 */
bool vpmu_hook_is_function_of(struct vpmu_hook_table *t, const char *object,
			      const void *fn);

/**
 * vpmu_hook_check_mirrors() - check a struct of function pointers
 *	against the static calls it mirrors
 * @t: the table (objects are pinned through it)
 * @object: module holding the struct and the keys
 * @array: symbol of the struct
 * @keys: static call names, in member order: member i is pointer i
 * @n: number of members
 *
 * KVM copies its ops struct into the static calls; if every member equals
 * its key's target, the member order we assume is the kernel's.
 *
 * Return: 0, -ENOENT if a symbol is missing, -ENOEXEC if a member differs.
 */
int vpmu_hook_check_mirrors(struct vpmu_hook_table *t, const char *object,
			    const char *array, const char *const *keys,
			    unsigned int n);

/**
 * vpmu_hook_resolve() - pin the objects and find every hook's symbols
 * @t: the table
 *
 * Changes nothing in the kernel but module references.
 *
 * Return: 0 or a negative errno (see vpmu_hook_symbol()); @t->why says
 * which hook.  On failure the references stay until vpmu_hook_release().
 */
int vpmu_hook_resolve(struct vpmu_hook_table *t);

/**
 * struct vpmu_hook_callee - a function a module calls, not a hook
 * @object: where @name lives: "vmlinux" or a module name
 * @name: a function, or with @target a static call whose current
 *	target is the function
 * @target: NULL, or where that target must be ("vmlinux" or a module):
 *	anything else is someone else's hook
 * @orig_key: the user's static call that will reach it (VPMU_HOOK_ORIG())
 * @orig_tramp: its trampoline
 */
struct vpmu_hook_callee {
	const char *object;
	const char *name;
	const char *target;
	struct static_call_key *orig_key;
	void *orig_tramp;
};

/**
 * vpmu_hook_callee() - point a static call of ours at a function found
 *	by lookup
 * @t: the table (@c->object and @c->target are pinned through it)
 * @c: the function, and our static call
 *
 * A function found by lookup that is not exported may have had its ENDBR
 * sealed: only a direct call, which a static call patches in, reaches it
 * on IBT kernels.
 *
 * Return: 0, -ENOENT (no such symbol, or a static call without target),
 * -EFAULT (not in @c->object), -EEXIST (a target outside @c->target);
 * @t->why says which.
 */
int vpmu_hook_callee(struct vpmu_hook_table *t, const struct vpmu_hook_callee *c);

/**
 * vpmu_hook_install() - install every hook, or none
 * @t: a resolved table
 *
 * A hook whose current target is not in its target object, or whose
 * mirror member differs from its key, is a refusal: the hooks installed
 * before it are taken back (with the drains of vpmu_hook_uninstall()).
 *
 * Return: 0, or -EEXIST (someone else's target), -ENOEXEC (mirror
 * differs), -ENOENT (no target and not optional), -EINVAL (no
 * VPMU_HOOK_ORIG()), an ftrace errno.
 */
int vpmu_hook_install(struct vpmu_hook_table *t);

/**
 * vpmu_hook_uninstall() - take every installed hook back, in reverse
 * @t: the table
 *
 * Restores each original (leaving a target that is no longer ours alone,
 * with a log line), then waits until no CPU runs or will return into a
 * wrapper: SRCU, RCU-tasks and RCU grace periods.  Sleeps.
 */
void vpmu_hook_uninstall(struct vpmu_hook_table *t);

/**
 * vpmu_hook_release() - drop the module references of the table
 * @t: the table, with nothing installed
 */
void vpmu_hook_release(struct vpmu_hook_table *t);

/**
 * vpmu_hook_calls() - calls of one hook so far, summed over CPUs
 * @nr: the hook's index
 *
 * Return: the sum (not a snapshot across CPUs: counters keep moving).
 */
unsigned long vpmu_hook_calls(unsigned int nr);

/**
 * vpmu_hook_show() - print the table state, one line per hook
 * @m: seq_file of a debugfs file
 * @t: the table
 */
void vpmu_hook_show(struct seq_file *m, const struct vpmu_hook_table *t);

#endif /* VPMU_HOOK_H */
