/* corral-session-protocol.c: the agent session's lines, parsed and made
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "corral-session-protocol.h"

struct _CorralSessionDecoder
{
  char     line[CORRAL_SESSION_MAX_LINE];
  gsize    length;
  gboolean discarding;   /* inside a line that was already too long */
  guint    dropped;
};

const char *
corral_session_command_line (CorralSessionCommand command)
{
  switch (command)
    {
    case CORRAL_SESSION_COMMAND_RESTART:
      return "RESTART\n";
    case CORRAL_SESSION_COMMAND_SHELL:
      return "SHELL\n";
    case CORRAL_SESSION_COMMAND_POWEROFF:
    default:
      return "POWEROFF\n";
    }
}

char *
corral_session_size_line (CorralSessionTerminal terminal,
                          long                  rows,
                          long                  columns)
{
  return g_strdup_printf ("%s %ld %ld\n",
                          terminal == CORRAL_SESSION_TERMINAL_SECOND ? "SECOND-SIZE" : "SIZE",
                          CLAMP (rows, 1, CORRAL_SESSION_MAX_GRID),
                          CLAMP (columns, 1, CORRAL_SESSION_MAX_GRID));
}

/* A decimal number of 1-3 digits between @min and @max, and nothing else. */
static gboolean
parse_number (const char *text,
              gsize       length,
              int         min,
              int         max,
              int        *value)
{
  int n = 0;

  if (length == 0 || length > 3)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      n = n * 10 + (text[i] - '0');
    }
  if (n < min || n > max)
    return FALSE;
  *value = n;
  return TRUE;
}

gboolean
corral_session_parse_line (const char           *line,
                           gsize                 length,
                           CorralSessionMessage *message)
{
  const char *space;
  const char *arg;
  gsize word, arg_length;

  /* A guest's shell may end lines with CR LF. */
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length == 0 || length > CORRAL_SESSION_MAX_LINE)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (line[i] < 0x20 || line[i] > 0x7e)
      return FALSE;

  space = memchr (line, ' ', length);
  if (space == NULL)
    return FALSE;
  word = space - line;
  arg = space + 1;
  arg_length = length - word - 1;

#define IS(keyword) (word == strlen (keyword) && memcmp (line, keyword, word) == 0)
  memset (message, 0, sizeof *message);
  if (IS ("HELLO"))
    {
      message->kind = CORRAL_SESSION_MESSAGE_HELLO;
      return parse_number (arg, arg_length, 1, 999, &message->value);
    }
  if (IS ("EXIT"))
    {
      message->kind = CORRAL_SESSION_MESSAGE_EXIT;
      return parse_number (arg, arg_length, 0, 255, &message->value);
    }
  if (IS ("SIGNAL"))
    {
      message->kind = CORRAL_SESSION_MESSAGE_SIGNAL;
      return parse_number (arg, arg_length, 1, 64, &message->value);
    }
  if (IS ("STARTED"))
    {
      message->kind = CORRAL_SESSION_MESSAGE_STARTED;
      if (arg_length == strlen ("entrypoint") && memcmp (arg, "entrypoint", arg_length) == 0)
        message->run = CORRAL_SESSION_RUN_ENTRYPOINT;
      else if (arg_length == strlen ("shell") && memcmp (arg, "shell", arg_length) == 0)
        message->run = CORRAL_SESSION_RUN_SHELL;
      else
        return FALSE;
      return TRUE;
    }
#undef IS
  return FALSE;
}

CorralSessionDecoder *
corral_session_decoder_new (void)
{
  return g_new0 (CorralSessionDecoder, 1);
}

void
corral_session_decoder_free (CorralSessionDecoder *self)
{
  g_free (self);
}

guint
corral_session_decoder_get_dropped (CorralSessionDecoder *self)
{
  return self->dropped;
}

GArray *
corral_session_decoder_feed (CorralSessionDecoder *self,
                             const guint8         *data,
                             gsize                 length)
{
  GArray *messages = NULL;

  for (gsize i = 0; i < length; i++)
    {
      CorralSessionMessage message;

      if (data[i] != '\n')
        {
          if (self->discarding)
            continue;
          if (self->length == sizeof self->line)
            {
              /* Too long to be ours: skip to its end, keep nothing. */
              self->discarding = TRUE;
              self->length = 0;
              self->dropped++;
              continue;
            }
          self->line[self->length++] = data[i];
          continue;
        }

      if (self->discarding)
        self->discarding = FALSE;
      else if (corral_session_parse_line (self->line, self->length, &message))
        {
          if (messages == NULL)
            messages = g_array_new (FALSE, FALSE, sizeof (CorralSessionMessage));
          g_array_append_val (messages, message);
        }
      else
        self->dropped++;
      self->length = 0;
    }
  return messages;
}

const char *
corral_session_signal_name (int signal)
{
  /* Linux's numbering on x86 (the guest's); signals 32-64 are real-time. */
  static const char * const names[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
    "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
    "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
    "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
    "SIGSYS",
  };

  if (signal > 0 && signal < (int) G_N_ELEMENTS (names))
    return names[signal];
  return NULL;
}

char *
corral_session_describe_end (CorralSessionWho who,
                             int              exit_status,
                             int              signal)
{
  const char *known = corral_session_signal_name (signal);
  g_autofree char *name = known ? g_strdup (known) : g_strdup_printf ("SIG%d", signal);

  /* Whole sentences per case, for the translators. */
  if (signal > 0)
    switch (who)
      {
      case CORRAL_SESSION_WHO_SHELL:
        return g_strdup_printf (_("The shell was killed by signal %d (%s)."), signal, name);
      case CORRAL_SESSION_WHO_COMMAND:
        return g_strdup_printf (_("The command was killed by signal %d (%s)."), signal, name);
      case CORRAL_SESSION_WHO_AGENT:
      default:
        return g_strdup_printf (_("The agent was killed by signal %d (%s)."), signal, name);
      }
  if (exit_status == 0)
    switch (who)
      {
      case CORRAL_SESSION_WHO_SHELL:
        return g_strdup (_("The shell exited normally (status 0)."));
      case CORRAL_SESSION_WHO_COMMAND:
        return g_strdup (_("The command exited normally (status 0)."));
      case CORRAL_SESSION_WHO_AGENT:
      default:
        return g_strdup (_("The agent exited normally (status 0)."));
      }
  switch (who)
    {
    case CORRAL_SESSION_WHO_SHELL:
      return g_strdup_printf (_("The shell exited with status %d."), exit_status);
    case CORRAL_SESSION_WHO_COMMAND:
      return g_strdup_printf (_("The command exited with status %d."), exit_status);
    case CORRAL_SESSION_WHO_AGENT:
    default:
      return g_strdup_printf (_("The agent exited with status %d."), exit_status);
    }
}
