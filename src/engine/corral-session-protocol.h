/* corral-session-protocol.h: the agent session's channel, as lines of text
 *
 * The guest's agent console runs the entrypoint; when it ends the guest
 * says so and waits for the host to choose what happens next. Both talk
 * over a virtio-serial port named CORRAL_SESSION_PORT, one message a line
 * (ASCII, "\n"-terminated, at most CORRAL_SESSION_MAX_LINE bytes):
 *
 *   guest -> host   HELLO <version>           the guest's session helper listens
 *                   STARTED entrypoint|shell  the entrypoint (or a shell) runs
 *                   EXIT <0-255>              it exited with that status
 *                   SIGNAL <1-64>             it was killed by that signal
 *   host -> guest   RESTART                   run the entrypoint again
 *                   SHELL                     run a login shell instead
 *                   POWEROFF                  power off (the seed's behaviour)
 *                   SIZE <rows> <columns>     the agent console's terminal
 *                                             size, sent while something runs
 *                                             there and after each change; only
 *                                             to a guest that said HELLO 2 or
 *                                             later (it then stops asking the
 *                                             terminal for the size)
 *                   SECOND-SIZE <rows> <columns>
 *                                             the second console's terminal
 *                                             size, at HELLO and after each
 *                                             change; only to a guest that
 *                                             said HELLO 3 or later (it sets
 *                                             it on that serial line, whose
 *                                             shell then stops asking)
 *
 * Whatever the guest sends is hostile: a line that is too long, not
 * printable ASCII or not one of these exactly is dropped (and counted),
 * nothing is buffered beyond one line. Pure: no I/O.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORRAL_SESSION_PORT     "io.github.corral.session.0"
#define CORRAL_SESSION_VERSION  1
#define CORRAL_SESSION_MAX_LINE 64
/* The first guest version that takes SIZE. */
#define CORRAL_SESSION_VERSION_SIZE 2
/* The first guest version that takes SECOND-SIZE. */
#define CORRAL_SESSION_VERSION_SECOND_SIZE 3
/* A terminal's rows or columns, as SIZE carries them. */
#define CORRAL_SESSION_MAX_GRID 9999

typedef enum {
  CORRAL_SESSION_MESSAGE_HELLO,    /* value: the protocol version */
  CORRAL_SESSION_MESSAGE_STARTED,  /* run: what started */
  CORRAL_SESSION_MESSAGE_EXIT,     /* value: the exit status, 0-255 */
  CORRAL_SESSION_MESSAGE_SIGNAL,   /* value: the signal number, 1-64 */
} CorralSessionMessageKind;

typedef enum {
  CORRAL_SESSION_RUN_ENTRYPOINT,   /* what /mnt/meta/entrypoint names */
  CORRAL_SESSION_RUN_SHELL,        /* a shell the host asked for (SHELL) */
} CorralSessionRun;

typedef enum {
  CORRAL_SESSION_COMMAND_RESTART,
  CORRAL_SESSION_COMMAND_SHELL,
  CORRAL_SESSION_COMMAND_POWEROFF,
} CorralSessionCommand;

/* Whose size a SIZE line carries. */
typedef enum {
  CORRAL_SESSION_TERMINAL_AGENT,   /* the agent console: SIZE */
  CORRAL_SESSION_TERMINAL_SECOND,  /* the second console: SECOND-SIZE */
} CorralSessionTerminal;

typedef struct {
  CorralSessionMessageKind kind;
  CorralSessionRun         run;    /* STARTED only */
  int                      value;  /* HELLO, EXIT, SIGNAL */
} CorralSessionMessage;

/* The line (with its newline) that carries @command. Static. */
const char *corral_session_command_line (CorralSessionCommand command);

/* The SIZE (or SECOND-SIZE) line, with its newline, for @terminal at
 * @rows by @columns, each clamped to 1-CORRAL_SESSION_MAX_GRID. Free
 * with g_free(). */
char       *corral_session_size_line    (CorralSessionTerminal terminal,
                                         long                  rows,
                                         long                  columns);

/* Parses one line without its newline; FALSE when it is not a valid
 * guest message. */
gboolean    corral_session_parse_line   (const char           *line,
                                         gsize                 length,
                                         CorralSessionMessage *message);

typedef struct _CorralSessionDecoder CorralSessionDecoder;

CorralSessionDecoder *corral_session_decoder_new     (void);
void                  corral_session_decoder_free    (CorralSessionDecoder *self);
/* Feeds received bytes; returns the messages they complete (oldest first,
 * a GArray of CorralSessionMessage; NULL when none). */
GArray               *corral_session_decoder_feed    (CorralSessionDecoder *self,
                                                      const guint8         *data,
                                                      gsize                 length);
/* How many lines were dropped as invalid so far. */
guint                 corral_session_decoder_get_dropped (CorralSessionDecoder *self);

/* "SIGKILL" for 9: the Linux (x86) name of a signal, or NULL. */
const char *corral_session_signal_name (int signal);

/* Who ended, for the words. */
typedef enum {
  CORRAL_SESSION_WHO_AGENT,    /* the agent (the profile's agent command) */
  CORRAL_SESSION_WHO_SHELL,    /* a shell (--shell, or one the host asked for) */
  CORRAL_SESSION_WHO_COMMAND,  /* the profile's custom command */
} CorralSessionWho;

/* How it ended, in a sentence for a person: "The agent exited with
 * status 3." @signal 0: it exited with @exit_status; else that signal
 * ended it. Translated. */
char       *corral_session_describe_end (CorralSessionWho who,
                                         int              exit_status,
                                         int              signal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralSessionDecoder, corral_session_decoder_free)

G_END_DECLS
