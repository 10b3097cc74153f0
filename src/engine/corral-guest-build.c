/* corral-guest-build.c: builds the Debian guest into the store, with progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder script does the work (mmdebstrap, mkfs.ext4) and says how
 * far it is on a pipe it gets as fd 3 (--progress-fd 3; the lines are
 * read by corral-guest-build-progress.c). Its stderr, a person's view of
 * the same, is kept (bounded) for when it ends before it has a log file.
 * The application owns one of these (through CorralContext), so a build
 * outlives the window that started it; every window shows the same one.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "corral-guest-build.h"
#include "corral-guest-store.h"

#define MAX_STDERR (16 * 1024)
/* How long the builder may take to clean up after SIGTERM (mmdebstrap
 * removing a half-made tree of several GB took minutes on a loaded
 * machine) before it is killed, leaving the rest to the next build's
 * sweep. */
#define CANCEL_GRACE_SECONDS 600
/* Once the builder has exited, how long a process it left behind may keep
 * its pipes open before Corral stops listening. */
#define PIPE_GRACE_SECONDS 3

/* What a build of the Debian guest costs, as measured (README, "The
 * Debian guest, measured"); data/guests/build-guest checks the same free
 * space before it starts. */
#define COST_MINUTES_MIN  5
#define COST_MINUTES_MAX  20
#define COST_DOWNLOAD_MB  700
#define COST_BUILD_GB     10
#define COST_GUEST_GB     3

struct _CorralGuestBuild
{
  GObject      parent_instance;

  char        *builder;
  char        *recipe;
  char        *output_dir;
  gboolean     sandboxed;

  CorralGuestBuildState    state;
  CorralGuestBuildProgress progress;
  char        *message;
  GString     *stderr_text;

  GSubprocess *process;
  GCancellable *cancellable;  /* the process's wait; cancelled on dispose */
  GCancellable *reads;        /* this run's pipe reads */
  guint        pipe_grace_id;
  gboolean     exited;
  gboolean     progress_eof;
  gboolean     stderr_eof;
  int          exit_status;   /* wait status */
  gboolean     cancel_requested;
  guint        kill_id;
};

G_DEFINE_FINAL_TYPE (CorralGuestBuild, corral_guest_build, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PHASE,
  PROP_FRACTION,
  PROP_LOG_PATH,
  PROP_WAITING,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

CorralGuestBuild *
corral_guest_build_new (const char *builder,
                        const char *recipe,
                        const char *output_dir,
                        gboolean    sandboxed)
{
  CorralGuestBuild *self;

  g_return_val_if_fail (builder != NULL && recipe != NULL && output_dir != NULL, NULL);

  self = g_object_new (CORRAL_TYPE_GUEST_BUILD, NULL);
  self->builder = g_strdup (builder);
  self->recipe = g_strdup (recipe);
  self->output_dir = g_strdup (output_dir);
  self->sandboxed = sandboxed;
  return self;
}

CorralGuestBuild *
corral_guest_build_new_default (void)
{
  const char *builder = g_getenv ("CORRAL_GUEST_BUILDER");
  const char *recipe = g_getenv ("CORRAL_GUEST_RECIPE");
  CorralGuestBuild *self;

  self = g_object_new (CORRAL_TYPE_GUEST_BUILD, NULL);
  self->builder = g_strdup (builder != NULL && *builder != '\0' ? builder : LIBEXECDIR "/corral/build-guest");
  self->recipe = g_strdup (recipe != NULL && *recipe != '\0' ? recipe : PKGDATADIR "/guests/debian");
  /* output_dir stays NULL: the store's, looked up at each start. */
  self->sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  return self;
}

CorralGuestBuildAvailability
corral_guest_build_get_availability (CorralGuestBuild *self)
{
  g_autofree char *packages = NULL;

  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING);

  if (self->sandboxed)
    return CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED;
  packages = g_build_filename (self->recipe, "packages", NULL);
  if (!g_file_test (self->builder, G_FILE_TEST_IS_EXECUTABLE) || !g_file_test (packages, G_FILE_TEST_IS_REGULAR))
    return CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING;
  return CORRAL_GUEST_BUILD_AVAILABLE;
}

const char *
corral_guest_build_get_builder (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);
  return self->builder;
}

char *
corral_guest_build_dup_output_dir (CorralGuestBuild *self)
{
  g_autoptr(CorralGuestStore) store = NULL;

  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);

  if (self->output_dir != NULL)
    return g_strdup (self->output_dir);
  store = corral_guest_store_new_default ();
  return g_build_filename (corral_guest_store_get_user_dir (store), CORRAL_GUEST_STORE_DEFAULT_NAME, NULL);
}

CorralGuestBuildState
corral_guest_build_get_state (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), CORRAL_GUEST_BUILD_STATE_IDLE);
  return self->state;
}

gboolean
corral_guest_build_get_running (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), FALSE);
  return self->state == CORRAL_GUEST_BUILD_STATE_RUNNING ||
         self->state == CORRAL_GUEST_BUILD_STATE_CANCELLING;
}

const CorralGuestBuildProgress *
corral_guest_build_get_progress (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);
  return &self->progress;
}

const char *
corral_guest_build_get_message (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);
  return self->message;
}

const char *
corral_guest_build_get_manifest (CorralGuestBuild *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);
  return self->state == CORRAL_GUEST_BUILD_STATE_SUCCEEDED ? self->progress.manifest : NULL;
}

char *
corral_guest_build_describe_cost (void)
{
  /* Translators: minutes (two numbers), then the download in megabytes,
   * the free space the build needs and the space the guest keeps, in
   * gigabytes */
  return g_strdup_printf (_("Building takes about %d to %d minutes and downloads about %d MB: Debian’s packages from deb.debian.org and the agent, Claude Code, from the npm registry. It needs %d GB of free disk space while it runs; the guest then takes about %d GB."),
                          COST_MINUTES_MIN, COST_MINUTES_MAX, COST_DOWNLOAD_MB, COST_BUILD_GB, COST_GUEST_GB);
}

static void
set_state (CorralGuestBuild      *self,
           CorralGuestBuildState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/* The log file's tail, from its last whole line. */
static char *
read_tail (const char *path,
           gsize       max_bytes)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *buffer = NULL;
  goffset size, start;
  gsize got = 0;
  char *text;

  if (in == NULL)
    return NULL;
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  size = info != NULL ? g_file_info_get_size (info) : 0;
  start = size > (goffset) max_bytes ? size - (goffset) max_bytes : 0;
  if (start > 0 && !g_seekable_seek (G_SEEKABLE (in), start, G_SEEK_SET, NULL, NULL))
    return NULL;
  buffer = g_malloc (max_bytes + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), buffer, max_bytes, &got, NULL, NULL))
    return NULL;
  buffer[got] = '\0';
  text = buffer;
  if (start > 0 && strchr (text, '\n') != NULL)
    text = strchr (text, '\n') + 1;
  /* mmdebstrap's and apt's progress redraw lines with \r; the log may
   * also hold bytes that are not UTF-8. */
  g_strdelimit (text, "\r", '\n');
  return g_utf8_make_valid (text, -1);
}

char *
corral_guest_build_dup_log_text (CorralGuestBuild *self,
                                 gsize             max_bytes)
{
  char *text = NULL;

  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (self), NULL);

  if (self->progress.log_path != NULL)
    text = read_tail (self->progress.log_path, max_bytes);
  if (text == NULL || *text == '\0')
    {
      g_free (text);
      text = g_utf8_make_valid (self->stderr_text->str, -1);
    }
  return text;
}

/* The log's last line that says something (not a tar checkpoint). */
static char *
last_log_line (CorralGuestBuild *self)
{
  g_autofree char *text = corral_guest_build_dup_log_text (self, 4096);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0' && !g_str_has_prefix (lines[i], "build-guest: ") &&
          !g_str_has_prefix (lines[i], "tar: corral-extract"))
        return g_strdup (lines[i]);
    }
  return NULL;
}

static void
finish (CorralGuestBuild *self)
{
  g_autofree char *last = NULL;

  if (!self->exited || !self->progress_eof || !self->stderr_eof || !corral_guest_build_get_running (self))
    return;

  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->pipe_grace_id, g_source_remove);
  g_clear_object (&self->process);
  g_clear_object (&self->reads);
  g_clear_pointer (&self->message, g_free);

  if (self->progress.manifest != NULL && g_spawn_check_wait_status (self->exit_status, NULL))
    {
      set_state (self, CORRAL_GUEST_BUILD_STATE_SUCCEEDED);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      return;
    }

  if (self->cancel_requested)
    {
      self->message = g_strdup (_("The build was cancelled. Nothing was installed."));
      set_state (self, CORRAL_GUEST_BUILD_STATE_CANCELLED);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      return;
    }

  if (corral_guest_build_progress_has_problems (&self->progress))
    self->message = corral_guest_build_progress_describe_problems (&self->progress);
  else if (self->progress.failed)
    {
      last = last_log_line (self);
      /* Translators: the first %s is a build step ("Downloading Debian
       * packages"), the second the log's last line */
      self->message = g_strdup_printf (_("The build failed at “%s”: %s"),
                                       corral_guest_build_phase_title (self->progress.failed_phase),
                                       last != NULL ? last : "");
    }
  else
    {
      last = last_log_line (self);
      if (WIFSIGNALED (self->exit_status))
        self->message = g_strdup_printf (_("The guest builder was stopped (signal %d). %s"),
                                         WTERMSIG (self->exit_status), last != NULL ? last : "");
      else
        self->message = g_strdup_printf (_("The guest builder stopped with exit status %d. %s"),
                                         WEXITSTATUS (self->exit_status), last != NULL ? last : "");
      g_strstrip (self->message);
    }
  set_state (self, CORRAL_GUEST_BUILD_STATE_FAILED);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static void
feed (CorralGuestBuild *self,
      const char       *line)
{
  CorralGuestBuildChange change = corral_guest_build_progress_feed (&self->progress, line);

  if (change & CORRAL_GUEST_BUILD_CHANGED_PHASE)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHASE]);
  if (change & CORRAL_GUEST_BUILD_CHANGED_FRACTION)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION]);
  if (change & CORRAL_GUEST_BUILD_CHANGED_LOG)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOG_PATH]);
  if (change & (CORRAL_GUEST_BUILD_CHANGED_WAITING | CORRAL_GUEST_BUILD_CHANGED_PHASE))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_WAITING]);
}

static void read_progress (CorralGuestBuild *self, GDataInputStream *in);
static void read_stderr (CorralGuestBuild *self, GDataInputStream *in);

static void
progress_line_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(CorralGuestBuild) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL && error == NULL)
    {
      self->progress_eof = TRUE;
      finish (self);
      return;
    }
  /* A line that is not UTF-8 is skipped, not the rest with it. */
  if (line != NULL)
    feed (self, line);
  read_progress (self, G_DATA_INPUT_STREAM (source));
}

static void
read_progress (CorralGuestBuild *self,
               GDataInputStream *in)
{
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, self->reads,
                                       progress_line_cb, g_object_ref (self));
}

static void
stderr_line_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(CorralGuestBuild) self = data;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      self->stderr_eof = TRUE;
      finish (self);
      return;
    }
  g_string_append_len (self->stderr_text, line, length);
  g_string_append_c (self->stderr_text, '\n');
  /* Bounded: keep the end, from a line start. */
  if (self->stderr_text->len > MAX_STDERR)
    {
      const char *cut = self->stderr_text->str + self->stderr_text->len - MAX_STDERR / 2;
      const char *nl = strchr (cut, '\n');
      g_string_erase (self->stderr_text, 0, (nl != NULL ? nl + 1 : cut) - self->stderr_text->str);
    }
  read_stderr (self, G_DATA_INPUT_STREAM (source));
}

static void
read_stderr (CorralGuestBuild *self,
             GDataInputStream *in)
{
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, self->reads,
                                       stderr_line_cb, g_object_ref (self));
}

/* The builder has exited but something it started still holds a pipe
 * (a step it failed to stop): what it said so far is what there is. */
static gboolean
pipe_grace_cb (gpointer data)
{
  CorralGuestBuild *self = data;

  self->pipe_grace_id = 0;
  g_cancellable_cancel (self->reads);
  self->progress_eof = self->stderr_eof = TRUE;
  finish (self);
  return G_SOURCE_REMOVE;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(CorralGuestBuild) self = data;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return;  /* cancelled: the object is going away */
  self->exited = TRUE;
  self->exit_status = g_subprocess_get_status (G_SUBPROCESS (source));
  if (!self->progress_eof || !self->stderr_eof)
    self->pipe_grace_id = g_timeout_add_seconds (PIPE_GRACE_SECONDS, pipe_grace_cb, self);
  finish (self);
}

/* The builder ends when Corral does, cleaning up after itself: it gets
 * SIGTERM, as on Cancel (after fork, before exec: async-signal-safe
 * calls only). */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  /* Its own process group: Ctrl+C in the terminal of `corral
   * --build-guest` reaches Corral, which cancels the build in order,
   * rather than every process of the build at once. */
  setpgid (0, 0);
}

static void
fail_to_start (CorralGuestBuild *self,
               GError           *error)
{
  g_clear_pointer (&self->message, g_free);
  /* Translators: %s says why */
  self->message = g_strdup_printf (_("The guest builder could not be started: %s"), error->message);
  set_state (self, CORRAL_GUEST_BUILD_STATE_FAILED);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

void
corral_guest_build_start (CorralGuestBuild *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) progress_in = NULL;
  g_autoptr(GDataInputStream) progress = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree char *output_dir = NULL;
  int fds[2];

  g_return_if_fail (CORRAL_IS_GUEST_BUILD (self));

  if (corral_guest_build_get_running (self))
    return;

  corral_guest_build_progress_clear (&self->progress);
  corral_guest_build_progress_init (&self->progress);
  g_string_truncate (self->stderr_text, 0);
  g_clear_object (&self->reads);
  self->reads = g_cancellable_new ();
  g_clear_pointer (&self->message, g_free);
  self->exited = self->progress_eof = self->stderr_eof = FALSE;
  self->cancel_requested = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHASE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOG_PATH]);
  set_state (self, CORRAL_GUEST_BUILD_STATE_RUNNING);

  if (corral_guest_build_get_availability (self) != CORRAL_GUEST_BUILD_AVAILABLE)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   self->sandboxed ? _("Corral runs in a sandbox (Flatpak) that cannot build guests")
                                   : _("this copy of Corral has no guest builder (%s)"),
                   self->builder);
      fail_to_start (self, error);
      return;
    }

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      fail_to_start (self, error);
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* The store the app reads is where the guest goes; the secrets the
   * app's environment may hold stay out of the build (and its log). */
  output_dir = corral_guest_build_dup_output_dir (self);
  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_DIR", output_dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "CORRAL_GUEST_RECIPE");
  g_subprocess_launcher_unsetenv (launcher, "ANTHROPIC_API_KEY");
  g_subprocess_launcher_unsetenv (launcher, "GH_TOKEN");
  g_subprocess_launcher_unsetenv (launcher, "GITHUB_TOKEN");
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawn (launcher, &error, self->builder,
                                               "--recipe", self->recipe, "--progress-fd", "3", NULL);
  /* The launcher holds the write end until it goes: the read end sees
   * EOF only once the builder (and whatever it started) has closed it. */
  g_clear_object (&launcher);
  if (self->process == NULL)
    {
      close (fds[0]);
      fail_to_start (self, error);
      return;
    }

  progress_in = g_unix_input_stream_new (fds[0], TRUE);
  progress = g_data_input_stream_new (progress_in);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (self->process));
  read_progress (self, progress);
  read_stderr (self, err);
  g_subprocess_wait_async (self->process, self->cancellable, wait_cb, g_object_ref (self));
}

static gboolean
kill_cb (gpointer data)
{
  CorralGuestBuild *self = data;

  self->kill_id = 0;
  /* The builder and whatever of it is still in its process group. */
  if (self->process != NULL && g_subprocess_get_identifier (self->process) != NULL)
    kill (-(pid_t) atoi (g_subprocess_get_identifier (self->process)), SIGKILL);
  return G_SOURCE_REMOVE;
}

void
corral_guest_build_cancel (CorralGuestBuild *self)
{
  g_return_if_fail (CORRAL_IS_GUEST_BUILD (self));

  if (self->state != CORRAL_GUEST_BUILD_STATE_RUNNING || self->process == NULL)
    return;
  self->cancel_requested = TRUE;
  set_state (self, CORRAL_GUEST_BUILD_STATE_CANCELLING);
  /* The builder stops its step and removes its work folder on TERM. */
  g_subprocess_send_signal (self->process, SIGTERM);
  self->kill_id = g_timeout_add_seconds (CANCEL_GRACE_SECONDS, kill_cb, self);
}

static void
corral_guest_build_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CorralGuestBuild *self = CORRAL_GUEST_BUILD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PHASE:
      g_value_set_int (value, self->progress.phase);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->progress.fraction);
      break;
    case PROP_LOG_PATH:
      g_value_set_string (value, self->progress.log_path);
      break;
    case PROP_WAITING:
      g_value_set_boolean (value, self->progress.waiting);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_guest_build_dispose (GObject *object)
{
  CorralGuestBuild *self = CORRAL_GUEST_BUILD (object);

  /* Going away mid-build (the application quits): the builder cleans up
   * on TERM, as it does on Cancel. */
  if (self->process != NULL && !self->exited)
    g_subprocess_send_signal (self->process, SIGTERM);
  g_cancellable_cancel (self->cancellable);
  if (self->reads != NULL)
    g_cancellable_cancel (self->reads);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->pipe_grace_id, g_source_remove);
  g_clear_object (&self->process);

  G_OBJECT_CLASS (corral_guest_build_parent_class)->dispose (object);
}

static void
corral_guest_build_finalize (GObject *object)
{
  CorralGuestBuild *self = CORRAL_GUEST_BUILD (object);

  g_free (self->builder);
  g_free (self->recipe);
  g_free (self->output_dir);
  g_free (self->message);
  g_string_free (self->stderr_text, TRUE);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->reads);
  corral_guest_build_progress_clear (&self->progress);

  G_OBJECT_CLASS (corral_guest_build_parent_class)->finalize (object);
}

static void
corral_guest_build_class_init (CorralGuestBuildClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = corral_guest_build_get_property;
  object_class->dispose = corral_guest_build_dispose;
  object_class->finalize = corral_guest_build_finalize;

  /* CorralGuestBuildState */
  props[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, CORRAL_GUEST_BUILD_STATE_IDLE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* CorralGuestBuildPhase; with it the phase's number and count change
   * (see corral_guest_build_get_progress()). */
  props[PROP_PHASE] =
    g_param_spec_int ("phase", NULL, NULL, 0, G_MAXINT, CORRAL_GUEST_BUILD_PHASE_NONE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_LOG_PATH] =
    g_param_spec_string ("log-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Another build of the same guest holds the store's lock. */
  props[PROP_WAITING] =
    g_param_spec_boolean ("waiting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
corral_guest_build_init (CorralGuestBuild *self)
{
  corral_guest_build_progress_init (&self->progress);
  self->stderr_text = g_string_new (NULL);
  self->cancellable = g_cancellable_new ();
}
