// How a state loads code, installed with the standard libraries (bkup_install_module_rules):
//  - text only: load, loadfile and dofile are lbaselib's with 'b' taken out of their mode, and
//    package.searchers[2] is loadlib's Lua searcher loading text only. A binary chunk is refused
//    wherever it comes from ("attempt to load a binary chunk (mode is 't')");
//  - C modules as lua5.4 loads them (package.loadlib, searchers[3] and [4]), except a module
//    that links a Lua core of its own (DT_NEEDED liblua5.4.so.0, liblua.so, libluajit-5.1.so...)
//    that this process has not loaded: bkup links Lua in, and a second Lua core in the process
//    would share no globals with the first and corrupt the memory both touch;
//  - the host's modules (registry table BKUP_HOST_MODULES, filled by LuaState.registerModule)
//    found by a searcher after Lua's own four, so that a user's module of the same name wins.
#include "bridge_internal.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---- Text-only chunks -----------------------------------------------------------------------

// The mode without 'b' ("bt" -> "t", "b" -> ""): Lua then refuses a binary chunk itself.
static const char *text_mode(lua_State *L, const char *mode) {
  char buf[8];
  size_t n = 0;
  for (const char *c = mode; *c && n < sizeof buf - 1; c++)
    if (*c != 'b') buf[n++] = *c;
  buf[n] = '\0';
  return lua_pushstring(L, buf);  // kept on the stack by the caller's frame until it returns
}

// lbaselib.c's load_aux.
static int load_aux(lua_State *L, int status, int envidx) {
  if (status == LUA_OK) {
    if (envidx != 0) {
      lua_pushvalue(L, envidx);
      if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
  }
  luaL_pushfail(L);
  lua_insert(L, -2);
  return 2;
}

static int text_loadfile(lua_State *L) {
  const char *fname = luaL_optstring(L, 1, NULL);
  const char *mode = luaL_optstring(L, 2, "bt");
  int env = (!lua_isnone(L, 3) ? 3 : 0);
  lua_settop(L, 3);
  mode = text_mode(L, mode);
  return load_aux(L, luaL_loadfilex(L, fname, mode), env);
}

#define RESERVEDSLOT 5

static const char *generic_reader(lua_State *L, void *ud, size_t *size) {
  (void)ud;
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *size = 0;
    return NULL;
  } else if (!lua_isstring(L, -1)) {
    luaL_error(L, "reader function must return a string");
  }
  lua_replace(L, RESERVEDSLOT);
  return lua_tolstring(L, RESERVEDSLOT, size);
}

// lbaselib.c's luaB_load; the mode's copy lives in slot 6, above the reader's reserved slot.
static int text_load(lua_State *L) {
  int status;
  size_t l;
  const char *s = lua_tolstring(L, 1, &l);
  const char *mode = luaL_optstring(L, 3, "bt");
  int env = (!lua_isnone(L, 4) ? 4 : 0);
  lua_settop(L, RESERVEDSLOT);
  mode = text_mode(L, mode);
  if (s != NULL) {
    const char *chunkname = luaL_optstring(L, 2, s);
    status = luaL_loadbufferx(L, s, l, chunkname, mode);
  } else {
    const char *chunkname = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    status = lua_load(L, generic_reader, NULL, chunkname, mode);
  }
  return load_aux(L, status, env);
}

static int dofilecont(lua_State *L, int d1, lua_KContext d2) {
  (void)d1;
  (void)d2;
  return lua_gettop(L) - 1;
}

static int text_dofile(lua_State *L) {
  const char *fname = luaL_optstring(L, 1, NULL);
  lua_settop(L, 1);
  if (luaL_loadfilex(L, fname, "t") != LUA_OK) return lua_error(L);
  lua_callk(L, 0, LUA_MULTRET, 0, dofilecont);
  return dofilecont(L, 0, 0);
}

// ---- A C module's own Lua core ---------------------------------------------------------------

// liblua.so, liblua5.4.so.0, liblua5.4-c++.so.0, libluajit-5.1.so.2: a Lua core. Not
// liblua5.4-socket.so.2 (a library of Lua modules, which links no core). The name before its
// ".so" is "liblua", then "jit" or not, a version of digits, dots and dashes, then "c++" or not.
static int names_lua_core(const char *soname) {
  if (strncmp(soname, "liblua", 6) != 0) return 0;
  const char *so = soname;
  while ((so = strstr(so, ".so")) != NULL && so[3] != '\0' && so[3] != '.') so++;
  if (so == NULL) return 0;
  const char *p = soname + 6;
  if (strncmp(p, "jit", 3) == 0) p += 3;
  while (p < so && strchr("0123456789.-", *p)) p++;
  if (so - p == 3 && strncmp(p, "c++", 3) == 0) p += 3;
  return p == so;
}

static int read_at(int fd, void *buf, size_t size, uint64_t offset) {
  return pread(fd, buf, size, (off_t)offset) == (ssize_t)size;
}

/* The first library the ELF file at `path` needs (DT_NEEDED) that is a Lua core this process
 * has not loaded, copied into `out`; 0 when there is none, or the file is not a 64-bit ELF
 * file (dlopen then says what is wrong with it). Read from the section headers: the dynamic
 * section and the string table it links to. */
static int foreign_lua_core(const char *path, char *out, size_t outsize) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int found = 0;
  Elf64_Ehdr eh;
  if (!read_at(fd, &eh, sizeof eh, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096) {
    close(fd);
    return 0;
  }
  for (unsigned i = 0; i < eh.e_shnum && !found; i++) {
    Elf64_Shdr dyn, str;
    if (!read_at(fd, &dyn, sizeof dyn, eh.e_shoff + (uint64_t)i * sizeof dyn)) break;
    if (dyn.sh_type != SHT_DYNAMIC || dyn.sh_link >= eh.e_shnum) continue;
    if (!read_at(fd, &str, sizeof str, eh.e_shoff + (uint64_t)dyn.sh_link * sizeof str)) break;
    if (str.sh_size == 0 || str.sh_size > (1u << 24) || dyn.sh_size > (1u << 24)) break;
    char *strings = malloc(str.sh_size + 1);
    Elf64_Dyn *entries = malloc(dyn.sh_size);
    if (strings && entries && read_at(fd, strings, str.sh_size, str.sh_offset) && read_at(fd, entries, dyn.sh_size, dyn.sh_offset)) {
      strings[str.sh_size] = '\0';
      for (size_t k = 0; k < dyn.sh_size / sizeof(Elf64_Dyn) && entries[k].d_tag != DT_NULL; k++) {
        if (entries[k].d_tag != DT_NEEDED || entries[k].d_un.d_val >= str.sh_size) continue;
        const char *needed = strings + entries[k].d_un.d_val;
        if (!names_lua_core(needed)) continue;
        void *loaded = dlopen(needed, RTLD_LAZY | RTLD_NOLOAD);
        if (loaded) {  // the process's own Lua (a build that links liblua dynamically)
          dlclose(loaded);
          continue;
        }
        snprintf(out, outsize, "%s", needed);
        found = 1;
        break;
      }
    }
    free(strings);
    free(entries);
  }
  close(fd);
  return found;
}

// Pushes why the C module at `path` is refused, or nothing (returns 0).
static int push_refusal(lua_State *L, const char *path) {
  char core[256];
  if (!foreign_lua_core(path, core, sizeof core)) return 0;
  lua_pushfstring(L,
                  "%s links %s, a Lua core of its own: bkup has its Lua already, and a second Lua core in one process "
                  "corrupts memory; use a build of the module that does not link liblua (as Debian's lua-* packages and "
                  "luarocks build them)",
                  path, core);
  return 1;
}

// package.loadlib(path, funcname): refused as loadlib's own failures are (fail, message, "open").
static int checked_loadlib(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  luaL_checkstring(L, 2);
  if (push_refusal(L, path)) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    lua_pushliteral(L, "open");
    return 3;
  }
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, LUA_MULTRET);
  return lua_gettop(L);
}

/* loadlib.c's loadfunc through package.loadlib as it was (upvalue 1): opens `filename` and
 * pushes its luaopen_ function (0), or an error message (1: the library, 2: no such function).
 * "a-b" opens luaopen_a, else luaopen_b, as loadlib's. */
static int load_open_function(lua_State *L, const char *filename, const char *modname) {
  modname = luaL_gsub(L, modname, ".", "_");
  const char *mark = strchr(modname, '-');
  for (int pass = 0; pass < 2; pass++) {
    const char *part = modname;
    if (pass == 0) {
      if (mark == NULL) continue;
      part = lua_pushlstring(L, modname, (size_t)(mark - modname));
    } else if (mark != NULL) {
      part = mark + 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushstring(L, filename);
    lua_pushfstring(L, "luaopen_%s", part);
    lua_call(L, 2, 3);
    if (!lua_isnil(L, -3)) {
      lua_pop(L, 2);
      return 0;
    }
    int library = strcmp(lua_tostring(L, -1), "open") == 0;
    lua_pop(L, 1);
    lua_remove(L, -2);
    if (library || pass == 1) return library ? 1 : 2;
    lua_pop(L, 1);  // try the old-style name
  }
  return 2;
}

// loadlib.c's findfile for package.cpath (upvalues 2 and 3: the package table, searchpath).
static const char *find_c_file(lua_State *L, const char *name) {
  lua_pushvalue(L, lua_upvalueindex(3));
  lua_pushstring(L, name);
  if (lua_getfield(L, lua_upvalueindex(2), "cpath") != LUA_TSTRING) luaL_error(L, "'package.cpath' must be a string");
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) {
    lua_remove(L, -2);  // leaves "no file '...'"
    return NULL;
  }
  lua_pop(L, 1);
  return lua_tostring(L, -1);
}

static int module_load_error(lua_State *L, const char *name, const char *filename) {
  return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, filename, lua_tostring(L, -1));
}

/* searchers[3] and [4]: loadlib.c's searcher_C and searcher_Croot, which check the file they
 * found before opening it (upvalues: package.loadlib as it was, the package table,
 * package.searchpath as it was). */
static int checked_searcher_c(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *filename = find_c_file(L, name);
  if (filename == NULL) return 1;
  if (push_refusal(L, filename) || load_open_function(L, filename, name) != 0) return module_load_error(L, name, filename);
  lua_pushstring(L, filename);
  return 2;
}

static int checked_searcher_croot(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *p = strchr(name, '.');
  if (p == NULL) return 0;
  lua_pushlstring(L, name, (size_t)(p - name));
  const char *filename = find_c_file(L, lua_tostring(L, -1));
  if (filename == NULL) return 1;
  if (push_refusal(L, filename)) return module_load_error(L, name, filename);
  int status = load_open_function(L, filename, name);
  if (status == 1) return module_load_error(L, name, filename);
  if (status == 2) {
    lua_pushfstring(L, "no module '%s' in file '%s'", name, filename);
    return 1;
  }
  lua_pushstring(L, filename);
  return 2;
}

/* searchers[2]: loadlib.c's searcher_Lua, loading text only (upvalues: the package table,
 * package.searchpath as it was). */
static int text_searcher_lua(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, 1);
  if (lua_getfield(L, lua_upvalueindex(1), "path") != LUA_TSTRING) luaL_error(L, "'package.path' must be a string");
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) return 1;  // searchpath's "no file '...'" list
  lua_pop(L, 1);
  const char *filename = lua_tostring(L, -1);
  if (luaL_loadfilex(L, filename, "t") != LUA_OK)
    return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, filename, lua_tostring(L, -1));
  lua_pushvalue(L, 2);
  return 2;
}

// ---- The host's modules ----------------------------------------------------------------------

static int host_module_loader(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

static int host_module_searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, BKUP_HOST_MODULES);
  if (lua_getfield(L, -1, name) == LUA_TNIL) return 0;  // require's message lists only lua's
  lua_pushcclosure(L, host_module_loader, 1);
  lua_pushliteral(L, ":bkup:");
  return 2;
}

/* luaL_argerror, naming a function that the call does not name (one called through pcall, say)
 * by the host's module that holds it, "Query.limit", as lauxlib names functions of the modules
 * in package.loaded, where the host's are not until something requires them. */
int bkup_argerror(lua_State *L, int arg, const char *extramsg) {
  lua_Debug ar;
  if (!lua_getstack(L, 0, &ar)) return luaL_argerror(L, arg, extramsg);
  lua_getinfo(L, "nf", &ar);  // pushes the function
  int fn = lua_gettop(L);
  if (ar.name != NULL) {
    lua_settop(L, fn - 1);
    return luaL_argerror(L, arg, extramsg);
  }
  luaL_getsubtable(L, LUA_REGISTRYINDEX, BKUP_HOST_MODULES);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE) {
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, fn))
          return luaL_error(L, "bad argument #%d to '%s.%s' (%s)", arg, lua_tostring(L, -4), lua_tostring(L, -2), extramsg);
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  lua_settop(L, fn - 1);
  return luaL_argerror(L, arg, extramsg);
}

// Sets searchers[i] to f, with loadlib (on top), the package table and searchpath as upvalues.
static void set_c_searcher(lua_State *L, int searchers, int i, lua_CFunction f, int package, int searchpath) {
  lua_pushvalue(L, -1);
  lua_pushvalue(L, package);
  lua_pushvalue(L, searchpath);
  lua_pushcclosure(L, f, 3);
  lua_rawseti(L, searchers, i);
}

void bkup_install_module_rules(lua_State *L) {
  int top = lua_gettop(L);
  lua_pushcfunction(L, text_load);
  lua_setglobal(L, "load");
  lua_pushcfunction(L, text_loadfile);
  lua_setglobal(L, "loadfile");
  lua_pushcfunction(L, text_dofile);
  lua_setglobal(L, "dofile");
  if (lua_getglobal(L, LUA_LOADLIBNAME) != LUA_TTABLE) {
    lua_settop(L, top);
    return;
  }
  int package = lua_gettop(L);
  lua_getfield(L, package, "searchpath");
  int searchpath = lua_gettop(L);
  lua_getfield(L, package, "searchers");
  int searchers = lua_gettop(L);
  lua_pushvalue(L, package);
  lua_pushvalue(L, searchpath);
  lua_pushcclosure(L, text_searcher_lua, 2);
  lua_rawseti(L, searchers, 2);
  lua_getfield(L, package, "loadlib");
  set_c_searcher(L, searchers, 3, checked_searcher_c, package, searchpath);
  set_c_searcher(L, searchers, 4, checked_searcher_croot, package, searchpath);
  lua_pushcclosure(L, checked_loadlib, 1);
  lua_setfield(L, package, "loadlib");
  lua_pushcfunction(L, host_module_searcher);
  lua_rawseti(L, searchers, 5);
  lua_settop(L, top);
}
