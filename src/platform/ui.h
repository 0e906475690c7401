/* ui.h — the web UI's static files, embedded into kiln-platform at build
 * time (mk/ui.mk runs mk/embed.sh over the files in ui/). */
#ifndef KILN_PLATFORM_UI_H
#define KILN_PLATFORM_UI_H

typedef struct ui_file {
    const char *path;          /* relative to ui/: "index.html", "app.js" */
    const unsigned char *data; /* NUL-terminated copy of the bytes */
    unsigned len;
} ui_file;
extern const ui_file ui_files[];
extern const unsigned ui_nfiles;

#endif
