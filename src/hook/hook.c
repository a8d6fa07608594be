// SPDX-License-Identifier: GPL-2.0
/*
 * The hook engine: install a table of hooks all or nothing, take it back,
 * and wait until no CPU can run or return into a wrapper.  The unload
 * argument is in Documentation/hook.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/static_call.h>
#include <linux/string.h>

#include <hook/hook.h>

/*
 * Under a preemptible kernel, a task preempted in a wrapper's first or
 * last instructions (outside the SRCU section) is only known to have left
 * them after an RCU-tasks grace period.  Kernels with PREEMPTION and no
 * TASKS_RCU would silently map synchronize_rcu_tasks() to
 * synchronize_rcu(), which does not wait for preempted tasks.
 */
#if defined(CONFIG_PREEMPTION) && !defined(CONFIG_TASKS_RCU)
#error "a preemptible kernel without CONFIG_TASKS_RCU cannot unload hooks safely"
#endif

struct srcu_struct vpmu_hook_srcu;
DEFINE_PER_CPU(unsigned long, vpmu_hook_count[VPMU_HOOK_MAX]);

static const char *const vpmu_hook_state_names[] = {
	[VPMU_HOOK_IDLE] = "idle",
	[VPMU_HOOK_RESOLVED] = "resolved",
	[VPMU_HOOK_INSTALLED] = "installed",
	[VPMU_HOOK_SKIPPED] = "skipped",
	[VPMU_HOOK_FOREIGN] = "foreign",
};

int vpmu_hook_engine_init(void)
{
	return init_srcu_struct(&vpmu_hook_srcu);
}

void vpmu_hook_engine_exit(void)
{
	cleanup_srcu_struct(&vpmu_hook_srcu);
}

unsigned long vpmu_hook_calls(unsigned int nr)
{
	unsigned long sum = 0;
	int cpu;

	if (nr >= VPMU_HOOK_MAX)
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu(vpmu_hook_count[nr], cpu);
	return sum;
}

/*
 * Wait until no CPU runs, or will return into, a wrapper that was
 * reachable before this call.  The order matters (Documentation/hook.rst,
 * "Unload safety"):
 *  - RCU-tasks: a task preempted in a wrapper's first instructions,
 *    before srcu_read_lock(), cannot switch voluntarily there; once every
 *    task has, each such task has entered its SRCU section, so the SRCU
 *    wait that follows sees it.  Waiting for SRCU first would miss a task
 *    that enters the section after the wait began and then sleeps in the
 *    original: that sleep would also end the RCU-tasks wait, and the task
 *    would later return into freed text;
 *  - SRCU: every wrapper body, including the original it calls, which
 *    may sleep;
 *  - RCU-tasks again: a task preempted after srcu_read_unlock(), before
 *    the wrapper returns;
 *  - RCU: a wrapper running with interrupts or preemption disabled (hard
 *    or soft interrupt, the VPMU_HOOK_ATOMIC ones without SRCU), in any
 *    task including idle, which RCU-tasks does not wait for.
 * The RCU-tasks and RCU waits also cover kernel code between two hooked
 * calls that acts on the first one's result (VPMU_HOOK_DRAIN), as long as
 * that code does not sleep voluntarily.
 */
static void vpmu_hook_drain(void)
{
	synchronize_rcu_tasks();
	synchronize_srcu(&vpmu_hook_srcu);
	synchronize_rcu_tasks();
	synchronize_rcu();
}

#ifdef CONFIG_DYNAMIC_FTRACE_WITH_ARGS

#ifdef ftrace_regs_set_instruction_pointer	/* 6.7+ name */
#define vpmu_hook_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define vpmu_hook_set_ip(fregs, ip) ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * The ftrace handler: send the call to the wrapper, unless it comes from
 * this module (the wrapper calling the original).
 */
static void notrace vpmu_hook_redirect(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct vpmu_hook *h = ops->private;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	vpmu_hook_set_ip(fregs, (unsigned long)h->wrapper);
}

static int vpmu_hook_install_ftrace(struct vpmu_hook_table *t, struct vpmu_hook *h)
{
	int ret;

	memset(&h->fops, 0, sizeof(h->fops));
	h->fops.func = vpmu_hook_redirect;
	h->fops.private = h;
	/* PERMANENT: sysctl ftrace_enabled=0 must not silently unhook. */
	h->fops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT;
	ret = ftrace_set_filter_ip(&h->fops, h->func, 0, 0);
	if (ret) {
		snprintf(t->why, sizeof(t->why), "%s: ftrace filter failed",
			 h->name);
		return ret;
	}
	WRITE_ONCE(h->orig, (void *)h->func);
	__static_call_update(h->orig_key, h->orig_tramp, h->orig);
	ret = register_ftrace_function(&h->fops);
	if (ret) {
		ftrace_free_filter(&h->fops);
		snprintf(t->why, sizeof(t->why),
			 "%s: ftrace redirection refused (IPMODIFY taken, or ftrace disabled)",
			 h->name);
		return ret;
	}
	return 0;
}

static void vpmu_hook_uninstall_ftrace(struct vpmu_hook *h)
{
	int ret;

	/* ftrace waits for its handlers itself (RCU-tasks for our ops). */
	ret = unregister_ftrace_function(&h->fops);
	if (ret)
		pr_err("hook %s: ftrace unregister failed (%d)\n", h->name, ret);
	ftrace_free_filter(&h->fops);
}

#else /* !CONFIG_DYNAMIC_FTRACE_WITH_ARGS */

static int vpmu_hook_install_ftrace(struct vpmu_hook_table *t, struct vpmu_hook *h)
{
	snprintf(t->why, sizeof(t->why),
		 "%s: this kernel has no ftrace with arguments", h->name);
	return -EOPNOTSUPP;
}

static void vpmu_hook_uninstall_ftrace(struct vpmu_hook *h)
{
}

#endif /* CONFIG_DYNAMIC_FTRACE_WITH_ARGS */

static int vpmu_hook_resolve_one(struct vpmu_hook_table *t, struct vpmu_hook *h)
{
	char sym[128];
	unsigned long addr;
	int ret;

	if (h->kind == VPMU_HOOK_FTRACE) {
		ret = vpmu_hook_symbol(t, h->object, h->name, true, &h->func);
		if (ret)
			return ret;
		goto resolved;
	}

	snprintf(sym, sizeof(sym), "__SCK__%s", h->name);
	ret = vpmu_hook_symbol(t, h->object, sym, false, &addr);
	if (ret)
		return ret;
	h->key = (struct static_call_key *)addr;
	snprintf(sym, sizeof(sym), "__SCT__%s", h->name);
	ret = vpmu_hook_symbol(t, h->object, sym, true, &addr);
	if (ret)
		return ret;
	h->tramp = (void *)addr;
	/* The target's module must stay while we call into it. */
	ret = vpmu_hook_pin(t, h->target, NULL);
	if (ret) {
		snprintf(t->why, sizeof(t->why), "%s is not loaded", h->target);
		return ret;
	}
	h->slot = NULL;
	if (h->mirror) {
		ret = vpmu_hook_symbol(t, h->object, h->mirror, false, &addr);
		if (ret)
			return ret;
		h->slot = (void **)(addr + h->mirror_offset);
	}
resolved:
	h->state = VPMU_HOOK_RESOLVED;
	return 0;
}

int vpmu_hook_resolve(struct vpmu_hook_table *t)
{
	unsigned int i;
	int ret;

	if (t->nr > VPMU_HOOK_MAX)
		return -E2BIG;
	ret = vpmu_hook_lookup_init();
	if (ret) {
		snprintf(t->why, sizeof(t->why),
			 "kallsyms_lookup_name not found (kprobe or parameter)");
		return ret;
	}
	for (i = 0; i < t->nr; i++) {
		t->hooks[i].state = VPMU_HOOK_IDLE;
		t->hooks[i].orig = NULL;
	}
	for (i = 0; i < t->nr; i++) {
		ret = vpmu_hook_resolve_one(t, &t->hooks[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Is @fn, the target of static call @name, in @target's text? */
static bool vpmu_hook_target_ours(struct vpmu_hook_table *t, const char *name,
				  void *fn, const char *target)
{
	if (vpmu_hook_is_function_of(t, target, fn))
		return true;
	snprintf(t->why, sizeof(t->why),
		 "%s points to %pS, not into %s: hooked by someone else",
		 name, fn, target);
	return false;
}

int vpmu_hook_callee(struct vpmu_hook_table *t, const struct vpmu_hook_callee *c)
{
	char sym[128];
	unsigned long addr;
	void *fn;
	int ret;

	snprintf(sym, sizeof(sym), "%s%s", c->target ? "__SCK__" : "", c->name);
	ret = vpmu_hook_symbol(t, c->object, sym, !c->target, &addr);
	if (ret)
		return ret;
	fn = (void *)addr;
	if (c->target) {
		fn = READ_ONCE(((struct static_call_key *)addr)->func);
		if (!fn) {
			snprintf(t->why, sizeof(t->why), "%s has no target",
				 c->name);
			return -ENOENT;
		}
		if (!vpmu_hook_target_ours(t, c->name, fn, c->target))
			return -EEXIST;
	}
	__static_call_update(c->orig_key, c->orig_tramp, fn);
	return 0;
}

static int vpmu_hook_install_static(struct vpmu_hook_table *t, struct vpmu_hook *h)
{
	void *cur = READ_ONCE(h->key->func);

	if (h->slot && READ_ONCE(*h->slot) != cur) {
		snprintf(t->why, sizeof(t->why),
			 "%s: %s+%u is %ps but the static call is %ps",
			 h->name, h->mirror, h->mirror_offset,
			 READ_ONCE(*h->slot), cur);
		return -ENOEXEC;
	}
	if (!cur) {
		if (h->flags & VPMU_HOOK_OPTIONAL) {
			h->state = VPMU_HOOK_SKIPPED;
			return 0;
		}
		snprintf(t->why, sizeof(t->why), "%s has no target", h->name);
		return -ENOENT;
	}
	if (!vpmu_hook_target_ours(t, h->name, cur, h->target))
		return -EEXIST;
	/* In place before any CPU can reach the wrapper (text_poke syncs). */
	WRITE_ONCE(h->orig, cur);
	__static_call_update(h->orig_key, h->orig_tramp, cur);
	__static_call_update(h->key, h->tramp, h->wrapper);
	if (h->slot)
		WRITE_ONCE(*h->slot, h->wrapper);
	return 0;
}

/* Returns true when the caller must drain before the next hook. */
static bool vpmu_hook_uninstall_one(struct vpmu_hook *h)
{
	void *cur;

	if (h->state != VPMU_HOOK_INSTALLED)
		return false;
	if (h->kind == VPMU_HOOK_FTRACE) {
		vpmu_hook_uninstall_ftrace(h);
		h->state = VPMU_HOOK_RESOLVED;
		return h->flags & VPMU_HOOK_DRAIN;
	}
	cur = READ_ONCE(h->key->func);
	if (cur != h->wrapper) {
		/* Not ours any more: overwriting would break its owner. */
		pr_err("hook %s: target changed to %pS while hooked; left alone\n",
		       h->name, cur);
		h->state = VPMU_HOOK_FOREIGN;
		return false;
	}
	if (h->slot && READ_ONCE(*h->slot) == h->wrapper)
		WRITE_ONCE(*h->slot, h->orig);
	__static_call_update(h->key, h->tramp, h->orig);
	h->state = VPMU_HOOK_RESOLVED;
	return h->flags & VPMU_HOOK_DRAIN;
}

/* Take back hooks [0, n) in reverse, draining where asked and at the end. */
static void vpmu_hook_unwind(struct vpmu_hook_table *t, unsigned int n)
{
	bool any = false;

	while (n--) {
		struct vpmu_hook *h = &t->hooks[n];
		bool was = h->state == VPMU_HOOK_INSTALLED;

		if (vpmu_hook_uninstall_one(h) && n)
			vpmu_hook_drain();
		any |= was;
	}
	if (any)
		vpmu_hook_drain();
}

int vpmu_hook_install(struct vpmu_hook_table *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr; i++) {
		struct vpmu_hook *h = &t->hooks[i];

		if (h->state != VPMU_HOOK_RESOLVED || !h->orig_key) {
			snprintf(t->why, sizeof(t->why), "%s: %s", h->name,
				 h->orig_key ? "not resolved" :
					       "no static call for the original");
			ret = -EINVAL;
			break;
		}
		if (h->kind == VPMU_HOOK_FTRACE)
			ret = vpmu_hook_install_ftrace(t, h);
		else
			ret = vpmu_hook_install_static(t, h);
		if (ret)
			break;
		if (h->state == VPMU_HOOK_RESOLVED)
			h->state = VPMU_HOOK_INSTALLED;
	}
	if (ret)
		vpmu_hook_unwind(t, i);
	return ret;
}

void vpmu_hook_uninstall(struct vpmu_hook_table *t)
{
	vpmu_hook_unwind(t, t->nr);
}

void vpmu_hook_show(struct seq_file *m, const struct vpmu_hook_table *t)
{
	unsigned int i;

	seq_printf(m, "%-2s %-28s %-6s %-9s %12s  %s\n",
		   "#", "hook", "kind", "state", "calls", "original");
	for (i = 0; i < t->nr; i++) {
		const struct vpmu_hook *h = &t->hooks[i];

		seq_printf(m, "%-2u %-28s %-6s %-9s %12lu  %pS\n", i, h->name,
			   h->kind == VPMU_HOOK_FTRACE ? "ftrace" : "static",
			   vpmu_hook_state_names[h->state], vpmu_hook_calls(i),
			   READ_ONCE(h->orig));
	}
}
