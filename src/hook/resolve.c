// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol resolution for the hook engine: kallsyms_lookup_name() found at
 * load time, module references, and the check that every address belongs
 * to the object we expect.  Nothing here links against a KVM export.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/pgtable.h>

#include <hook/hook.h>

static unsigned long kallsyms_lookup_name_addr;
module_param_named(kallsyms_lookup_name, kallsyms_lookup_name_addr, ulong, 0400);
MODULE_PARM_DESC(kallsyms_lookup_name,
		 "Address of kallsyms_lookup_name (from /proc/kallsyms or System.map), for kernels without kprobes; 0 (default): find it with a kprobe");

/*
 * kallsyms_lookup_name() is not exported, and IBT kernels seal its ENDBR
 * (vmlinux only calls it directly): an indirect call would be a #CP.  A
 * static call of our own patches a direct call instead.
 */
DEFINE_STATIC_CALL_NULL(vpmu_kallsyms_lookup_name, kallsyms_lookup_name);
static bool vpmu_lookup_ready;

/* Longest "module:symbol" we build; our names are far shorter. */
#define VPMU_HOOK_SYM_LEN	128

/*
 * Where @addr is, from what sprint_symbol() prints: "name+0xoff/0xsize",
 * followed by " [module]" (maybe with a build id) for module symbols.
 * Returns the offset of @addr into symbol @name (any symbol if NULL) of
 * @object ("vmlinux" or a module name), or -1 if it is elsewhere.
 */
static long vpmu_hook_offset_in(unsigned long addr, const char *name,
				const char *object)
{
	char buf[KSYM_SYMBOL_LEN];
	char *plus, *slash, *mod;
	unsigned long off;

	sprint_symbol(buf, addr);
	plus = strrchr(buf, '+');
	slash = plus ? strchr(plus, '/') : NULL;
	if (!slash)
		return -1;
	mod = strstr(slash, " [");
	*slash = '\0';
	*plus = '\0';
	if (kstrtoul(plus + 1, 16, &off) || off > LONG_MAX)
		return -1;
	if (name && strcmp(buf, name))
		return -1;
	if (!mod)
		return strcmp(object, VPMU_HOOK_VMLINUX) ? -1 : (long)off;
	mod += 2;
	mod[strcspn(mod, " ]")] = '\0';
	return strcmp(object, mod) ? -1 : (long)off;
}

int vpmu_hook_lookup_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	long off;
	int ret;

	if (vpmu_lookup_ready)
		return 0;
	if (kallsyms_lookup_name_addr) {
		/* The parameter must name the function's first byte. */
		addr = kallsyms_lookup_name_addr;
		if (vpmu_hook_offset_in(addr, "kallsyms_lookup_name",
					VPMU_HOOK_VMLINUX) != 0)
			return -EFAULT;
	} else {
		ret = register_kprobe(&kp);
		if (ret < 0)
			return ret;
		addr = (unsigned long)kp.addr;
		unregister_kprobe(&kp);
		/* With IBT the probe sits after ENDBR: back to the start. */
		off = vpmu_hook_offset_in(addr, "kallsyms_lookup_name",
					  VPMU_HOOK_VMLINUX);
		if (off < 0 || off > 16)
			return -ENOENT;
		addr -= off;
	}
	static_call_update(vpmu_kallsyms_lookup_name,
			   (typeof(kallsyms_lookup_name) *)addr);
	vpmu_lookup_ready = true;
	return 0;
}

unsigned long vpmu_hook_lookup(const char *name)
{
	if (vpmu_hook_lookup_init())
		return 0;
	return static_call(vpmu_kallsyms_lookup_name)(name);
}

/* The kernel image, as opposed to module space (x86_64 layout). */
static bool vpmu_hook_in_vmlinux(unsigned long addr)
{
	return addr >= __START_KERNEL_map && addr < MODULES_VADDR;
}

/*
 * The kernel's text, [_stext, _etext): on x86 that holds entry, noinstr
 * and static-call trampoline text too.  kallsyms keeps both markers even
 * without KALLSYMS_ALL; modules cannot link against them.
 */
static bool vpmu_hook_in_vmlinux_text(unsigned long addr)
{
	unsigned long start = vpmu_hook_lookup("_stext");
	unsigned long end = vpmu_hook_lookup("_etext");

	return start && addr >= start && addr < end;
}

static bool vpmu_hook_in_module_text(unsigned long addr, const struct module *mod)
{
#ifdef for_each_mod_mem_type	/* 6.4+: module memory by type */
	return within_module_mem_type(addr, mod, MOD_TEXT);
#else
	return addr - (unsigned long)mod->core_layout.base <
	       mod->core_layout.text_size;
#endif
}

int vpmu_hook_pin(struct vpmu_hook_table *t, const char *object,
		  struct module **modp)
{
	char sym[MODULE_NAME_LEN + sizeof(":__this_module")];
	struct module *mod;
	unsigned int i;
	bool live = false;

	if (modp)
		*modp = NULL;
	if (!strcmp(object, VPMU_HOOK_VMLINUX))
		return 0;
	for (i = 0; i < t->nr_pinned; i++) {
		if (!strcmp(t->pinned[i]->name, object)) {
			if (modp)
				*modp = t->pinned[i];
			return 0;
		}
	}
	if (t->nr_pinned == VPMU_HOOK_MAX_OBJECTS)
		return -ENOSPC;
	if (vpmu_hook_lookup_init())
		return -ENOENT;
	if (snprintf(sym, sizeof(sym), "%s:__this_module", object) >= sizeof(sym))
		return -ENXIO;
	/*
	 * A module's struct module is its __this_module symbol.  Lookup and
	 * reference in one preempt-disabled section: module memory is freed
	 * only after an RCU grace period, and try_module_get() fails once
	 * the module is going.  A module still in its init is not ready.
	 */
	preempt_disable();
	mod = (struct module *)static_call(vpmu_kallsyms_lookup_name)(sym);
	if (mod && !strcmp(mod->name, object) && try_module_get(mod)) {
		live = mod->state == MODULE_STATE_LIVE;
		if (!live)
			module_put(mod);
	}
	preempt_enable();
	if (!live)
		return -ENXIO;
	t->pinned[t->nr_pinned++] = mod;
	if (modp)
		*modp = mod;
	return 0;
}

void vpmu_hook_release(struct vpmu_hook_table *t)
{
	while (t->nr_pinned)
		module_put(t->pinned[--t->nr_pinned]);
}

int vpmu_hook_symbol(struct vpmu_hook_table *t, const char *object,
		     const char *name, bool text, unsigned long *addr)
{
	char sym[VPMU_HOOK_SYM_LEN];
	struct module *mod;
	bool vmlinux = !strcmp(object, VPMU_HOOK_VMLINUX);
	bool ok;
	int ret, len;

	*addr = 0;
	ret = vpmu_hook_pin(t, object, &mod);
	if (ret) {
		snprintf(t->why, sizeof(t->why), "%s is not loaded", object);
		return ret;
	}
	if (vmlinux)
		len = snprintf(sym, sizeof(sym), "%s", name);
	else
		len = snprintf(sym, sizeof(sym), "%s:%s", object, name);
	if (len < sizeof(sym))
		*addr = vpmu_hook_lookup(sym);
	if (!*addr) {
		snprintf(t->why, sizeof(t->why), "symbol %s not found in %s",
			 name, object);
		return -ENOENT;
	}
	if (vmlinux)
		ok = text ? vpmu_hook_in_vmlinux_text(*addr) :
			    vpmu_hook_in_vmlinux(*addr);
	else if (text)
		ok = vpmu_hook_in_module_text(*addr, mod);
	else
		ok = within_module(*addr, mod);
	if (!ok) {
		snprintf(t->why, sizeof(t->why), "symbol %s is %pS, not in %s",
			 name, (void *)*addr, object);
		return -EFAULT;
	}
	return 0;
}

bool vpmu_hook_is_function_of(struct vpmu_hook_table *t, const char *object,
			      const void *fn)
{
	unsigned long a = (unsigned long)fn;
	struct module *mod;

	if (vpmu_hook_pin(t, object, &mod))
		return false;
	if (mod ? !vpmu_hook_in_module_text(a, mod) : !vpmu_hook_in_vmlinux_text(a))
		return false;
	return vpmu_hook_offset_in(a, NULL, object) == 0;
}

int vpmu_hook_check_mirrors(struct vpmu_hook_table *t, const char *object,
			    const char *array, const char *const *keys,
			    unsigned int n)
{
	char sym[VPMU_HOOK_SYM_LEN];
	unsigned long base, key;
	unsigned int i;
	void *member, *target;
	int ret;

	ret = vpmu_hook_symbol(t, object, array, false, &base);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		snprintf(sym, sizeof(sym), "__SCK__%s", keys[i]);
		ret = vpmu_hook_symbol(t, object, sym, false, &key);
		if (ret)
			return ret;
		member = READ_ONCE(((void **)base)[i]);
		target = READ_ONCE(((struct static_call_key *)key)->func);
		if (member != target) {
			snprintf(t->why, sizeof(t->why),
				 "%s member %u is %ps but static call %s is %ps",
				 array, i, member, keys[i], target);
			return -ENOEXEC;
		}
	}
	return 0;
}
