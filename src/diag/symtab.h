/*
 * symtab.h — the inside of diag_symbols, shared by symbols.c (the wasm side:
 * sections, code bodies, name section, lookups) and dwarf.c (the DWARF side:
 * units, subprogram/inline scopes, line tables).
 */
#ifndef KILN_DIAG_SYMTAB_H
#define KILN_DIAG_SYMTAB_H

#include <pthread.h>

#include "diag/diag.h"

/* DWARF sections we read. Those lookups need later are private copies with a
 * NUL byte appended, so that any in-bounds string offset yields a terminated
 * string; the others point into the caller's bytes while indexing only. */
enum {
    DS_INFO, DS_ABBREV, DS_LINE, DS_STR, DS_LINE_STR, DS_STR_OFFSETS,
    DS_ADDR, DS_RANGES, DS_RNGLISTS, DS_COUNT
};

typedef struct dsec {
    const uint8_t *data; /* NULL when absent */
    size_t size;         /* without the appended NUL */
} dsec;

/* One row of a decoded line table. `file` has its top bit set on the row
 * that ends a sequence (the first address past it). 16 bytes, no padding. */
typedef struct lrow {
    uint32_t addr;
    uint32_t line;
    uint32_t file;
    uint32_t column;
} lrow;
#define LROW_END 0x80000000u

/* A compile unit. Its line table is decoded on the first lookup inside it. */
typedef struct dcu {
    uint32_t offset;       /* of the unit header in .debug_info */
    uint8_t version, addr_size, offset_size;
    bool has_stmt;
    uint64_t stmt_list;
    const char *comp_dir;  /* may be NULL */
    /* lazily decoded line table */
    bool lines_done;
    lrow *rows;
    uint32_t nrows;
    const char **files;    /* indexed by the DWARF file number of this unit */
    uint32_t nfiles;
} dcu;

/* A range of code offsets [lo, hi) owned by scope `scope`. */
typedef struct drange {
    uint32_t lo, hi, scope;
} drange;

/* A subprogram with code or an inlined_subroutine. Scopes are stored in DIE
 * (preorder) order, so a scope's descendants are [index+1, end). */
typedef struct dscope {
    const char *name;      /* linkage name if any, else DW_AT_name; may be NULL */
    char *demangled;       /* lazily computed; owned */
    uint32_t parent;       /* enclosing subprogram/inline scope or DIAG_NONE */
    uint32_t end;
    uint32_t cu;
    uint32_t call_file, call_line, call_column;
    uint32_t rfirst, rcount; /* in diag_symbols.ranges */
    uint32_t ref;          /* abstract_origin/specification DIE, or DIAG_NONE */
    bool inlined;
    bool has_linkage;      /* name is a linkage name (no need to resolve) */
    bool demangle_done;
} dscope;

/* Name facts of every subprogram DIE (with code or not), sorted by DIE
 * offset: what abstract_origin and specification references resolve to. */
typedef struct dname {
    uint32_t die;
    uint32_t ref;
    const char *name;
    const char *linkage;
} dname;

/* A function body in the code section: [start, end) in code offsets. */
typedef struct dbody {
    uint32_t start, end;
} dbody;

typedef struct arena_chunk arena_chunk;

struct diag_symbols {
    pthread_mutex_t lock;  /* guards the lazy parts: line tables, demangling */
    arena_chunk *arena;    /* strings we own */
    uint8_t *dwarf_copy;   /* one block holding every dsec */
    size_t dwarf_copy_size;
    dsec sec[DS_COUNT];

    /* wasm side */
    uint32_t code_offset;  /* of the code section payload, 0 if none */
    uint32_t code_size;
    uint32_t nimports;     /* imported functions */
    uint32_t nfuncs;       /* imported + defined */
    dbody *bodies;         /* defined functions, ascending */
    uint32_t nbodies;
    const char **func_names;  /* [nfuncs] raw names from the name section */
    char **func_demangled;    /* [nfuncs] lazily demangled, owned */
    uint8_t *func_dm_done;    /* [nfuncs] */
    bool has_names;
    uint32_t sp_global;
    bool sp_init_known;
    uint32_t sp_init;

    /* DWARF side */
    dcu *cus;
    uint32_t ncus, cap_cus;
    dscope *scopes;
    uint32_t nscopes, cap_scopes;
    drange *ranges;
    uint32_t nranges, cap_ranges;
    dname *names;
    uint32_t nnames, cap_names;
    drange *top;           /* ranges of top-level scopes, sorted by lo */
    uint32_t ntop;
    drange *curanges;      /* units' own ranges (scope = unit index), sorted:
                              for units with line tables but no subprograms */
    uint32_t ncuranges, cap_curanges;
};

/* Arena strings (symbols.c). */
char *symtab_strdup(diag_symbols *s, const char *p, size_t n);

/* dwarf.c: walks .debug_info into cus/scopes/ranges/names and sorts `top`.
 * Returns false only when out of memory; corrupt units are skipped. */
bool dwarf_index(diag_symbols *s);
/* dwarf.c: decodes the line table of unit `cu` (called with s->lock held).
 * Returns false only when out of memory; a corrupt table leaves it empty. */
bool dwarf_decode_lines(diag_symbols *s, dcu *cu);

#endif /* KILN_DIAG_SYMTAB_H */
