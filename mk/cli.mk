# The kiln program's extra libraries.
LDLIBS += -lcjson
