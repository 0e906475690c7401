# gdb-frames.py — run under gdb (gdb -batch -x gdb-frames.py --args PROG ARGS):
# runs the program to its fatal signal and prints, one JSON object a line,
#   {"signal": "SIGSEGV"}                     what stopped it
#   {"revealed": N}                           inline frames gdb had hidden
#   {"n": i, "function": ..., "file": ..., "line": ..., "inlined": bool}
#   {"depth": N}                              frames in all
# for every frame, innermost first. With more than LIMIT frames (deep
# recursion) only the innermost and outermost LIMIT are printed.
#
# Why not plain "bt": when the faulting instruction is the first one of an
# inlined function's code, gdb pretends the program is still at the call
# site and hides that inline frame (gdb's skip_inline_frames; a "step"
# would enter it). The fault is inside the inlined function, so we ask gdb
# to reveal it: a "step" in that state moves into the hidden frame without
# resuming the program. We step only while gdb's innermost frame is not the
# innermost function block at the pc, so the program never runs on.
import json

import gdb

LIMIT = 24


def emit(obj):
    print("TRAPFRAMES " + json.dumps(obj), flush=True)


def innermost_function_block(pc):
    try:
        b = gdb.block_for_pc(pc)
    except RuntimeError:
        return None
    while b is not None and b.function is None:
        b = b.superblock
    return b


def describe(i, f):
    sal = f.find_sal()
    fn = f.name()
    emit({
        "n": i,
        "function": fn,
        "file": sal.symtab.fullname() if sal.symtab else None,
        "line": sal.line if sal.symtab else 0,
        "inlined": f.type() == gdb.INLINE_FRAME,
    })


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("run", to_string=True)
try:
    sig = gdb.convenience_variable("_siginfo")["si_signo"]
    emit({"signal": int(sig)})
except (gdb.error, TypeError):
    emit({"signal": None})

revealed = 0
while revealed < 16:
    f = gdb.newest_frame()
    b = innermost_function_block(f.pc())
    fn = f.function()
    if b is None or fn is None or (b.function.name == fn.name and b.function.line == fn.line):
        break
    gdb.execute("step", to_string=True)
    revealed += 1
emit({"revealed": revealed})

frames = []
f = gdb.newest_frame()
depth = 0
while f is not None:
    if depth < LIMIT:
        describe(depth, f)
    else:
        frames.append((depth, f))
        if len(frames) > LIMIT:
            frames.pop(0)
    depth += 1
    f = f.older()
for i, fr in frames:
    describe(i, fr)
emit({"depth": depth})
gdb.execute("kill", to_string=True)
