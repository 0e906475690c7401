# The web UI (src/platform/ui.c, docs/ui.md): the files under ui/ are
# embedded into kiln-platform at build time (ui_files in
# $(BUILD)/gen/ui_embed.c, by mk/embed.sh as for the native tier), so a
# running server loads nothing from anywhere but its own binary. Plain
# HTML, CSS and JavaScript: no build step, no npm package in the UI.
UI_EMBED   := $(sort $(wildcard ui/*.html ui/*.css ui/*.js ui/*.svg))
UI_EMBED_C := $(BUILD)/gen/ui_embed.c
PLATFORM_OBJ += $(BUILD)/gen/ui_embed.o
$(KILN_PLATFORM): $(BUILD)/gen/ui_embed.o

$(UI_EMBED_C): $(UI_EMBED) mk/embed.sh mk/ui.mk
	@mkdir -p $(dir $@)
	mk/embed.sh --name ui --header platform/ui.h --strip ui/ $(UI_EMBED) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/ui_embed.o: $(UI_EMBED_C) src/platform/ui.h
	$(CC) $(CFLAGS) -c $< -o $@
