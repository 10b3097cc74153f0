/* corral-guest-setup.c: "no guest system installed", and its download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown when no guest is found (corral-guest-store.h): says so plainly and
 * offers the catalogue's guest (Debian), with progress and Cancel. The
 * download itself (CorralGuestDownload) installs atomically or not at all,
 * so every failure here only has to say why and offer to try again.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-guest-catalogue.h"
#include "corral-guest-download.h"
#include "corral-guest-setup.h"
#include "corral-guest-store.h"

struct _CorralGuestSetup
{
  GtkBox parent_instance;

  GtkLabel       *title_label;
  GtkLabel       *body_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *error_label;
  GtkWidget      *download_button;
  GtkWidget      *cancel_button;
  GtkWidget      *preferences_button;

  CorralGuestCatalogue   *catalogue;
  const CorralGuestOffer *offer;
  CorralGuestDownload    *download;
  GCancellable           *cancellable;
  gboolean                disposed;
};

G_DEFINE_FINAL_TYPE (CorralGuestSetup, corral_guest_setup, GTK_TYPE_BOX)

enum {
  SIGNAL_INSTALLED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
show_error (CorralGuestSetup *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Ready to download (again), or nothing to offer. */
static void
show_offer (CorralGuestSetup *self)
{
  const char *intro = _("Corral runs each project in a virtual machine, which needs a guest system.");
  g_autofree char *body = NULL;

  gtk_label_set_text (self->title_label, _("No Guest System Installed"));
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  if (self->offer != NULL)
    {
      g_autofree char *download = g_format_size (self->offer->download_size);
      g_autofree char *installed = g_format_size (self->offer->installed_size);

      /* Translators: the guest's name, what is downloaded, the space it takes */
      body = g_strdup_printf (_("%s Download %s now: %s to download, %s on disk."),
                              intro, self->offer->title, download, installed);
      gtk_widget_set_visible (self->download_button, TRUE);
    }
  else
    {
      body = g_strdup_printf (_("%s This copy of Corral offers none to download: build one with build-aux/build-guest, or choose a guest manifest in Preferences."),
                              intro);
      gtk_widget_set_visible (self->download_button, FALSE);
    }
  gtk_label_set_text (self->body_label, body);
}

static void
update_progress (CorralGuestSetup *self)
{
  guint64 received = corral_guest_download_get_received (self->download);
  guint64 total = self->offer->download_size;
  g_autofree char *got = g_format_size (received);
  g_autofree char *of = g_format_size (total);
  /* Translators: "120.5 MB of 1.1 GB" */
  g_autofree char *text = g_strdup_printf (_("%s of %s"), got, of);

  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) received / total : 0.0);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(CorralGuestSetup) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = corral_guest_download_finish (CORRAL_GUEST_DOWNLOAD (source), result, &error);

  g_signal_handlers_disconnect_by_data (source, self);
  g_clear_object (&self->download);
  g_clear_object (&self->cancellable);
  if (self->disposed)
    return;
  gtk_widget_set_sensitive (self->cancel_button, TRUE);

  if (manifest == NULL)
    {
      g_autofree char *message = NULL;

      show_offer (self);
      gtk_button_set_label (GTK_BUTTON (self->download_button), _("_Try Again"));
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message = g_strdup (_("The download was cancelled. Nothing was installed."));
      else
        {
          g_autofree char *why = g_strdup (error->message);

          /* One sentence end, whether or not the reason has its own. */
          if (g_str_has_suffix (why, "."))
            why[strlen (why) - 1] = '\0';
          /* Translators: %s says why (network, checksum, disk full) */
          message = g_strdup_printf (_("The download failed: %s.\nNothing was installed."), why);
        }
      show_error (self, message);
      return;
    }

  {
    g_autofree char *done = g_strdup_printf (_("%s is installed."), self->offer->title);

    gtk_label_set_text (self->title_label, _("Guest System Installed"));
    gtk_label_set_text (self->body_label, done);
  }
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->download_button, FALSE);
  gtk_widget_set_visible (self->preferences_button, FALSE);
  g_signal_emit (self, signals[SIGNAL_INSTALLED], 0, manifest);
}

void
corral_guest_setup_download (CorralGuestSetup *self)
{
  g_autoptr(CorralGuestStore) store = NULL;

  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->offer == NULL || self->download != NULL)
    return;

  store = corral_guest_store_new_default ();
  self->download = corral_guest_download_new (self->catalogue, self->offer->id,
                                              corral_guest_store_get_user_dir (store));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->download, "notify::received", G_CALLBACK (update_progress),
                           self, G_CONNECT_SWAPPED);

  {
    g_autofree char *what = g_strdup_printf (_("Downloading %s…"), self->offer->title);
    gtk_label_set_text (self->title_label, what);
  }
  gtk_label_set_text (self->body_label,
                      _("Each file is checked as it arrives; the guest is installed only once all of it is there."));
  show_error (self, NULL);
  gtk_widget_set_visible (self->download_button, FALSE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  update_progress (self);

  corral_guest_download_start (self->download, self->cancellable, download_done_cb, g_object_ref (self));
}

void
corral_guest_setup_cancel (CorralGuestSetup *self)
{
  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  /* The work folder is removed before the callback says so. */
  gtk_widget_set_sensitive (self->cancel_button, FALSE);
}

gboolean
corral_guest_setup_get_busy (CorralGuestSetup *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_SETUP (self), FALSE);
  return self->download != NULL;
}

GtkWidget *
corral_guest_setup_new (void)
{
  return g_object_new (CORRAL_TYPE_GUEST_SETUP, NULL);
}

/* The window closed mid-download (the running download holds a reference,
 * so dispose would wait for it): stop it; nothing is left behind. */
static void
corral_guest_setup_unroot (GtkWidget *widget)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  GTK_WIDGET_CLASS (corral_guest_setup_parent_class)->unroot (widget);
}

static void
corral_guest_setup_dispose (GObject *object)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (object);

  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_GUEST_SETUP);

  G_OBJECT_CLASS (corral_guest_setup_parent_class)->dispose (object);
}

static void
corral_guest_setup_finalize (GObject *object)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (object);

  g_clear_object (&self->catalogue);
  g_clear_object (&self->download);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (corral_guest_setup_parent_class)->finalize (object);
}

static void
corral_guest_setup_class_init (CorralGuestSetupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_guest_setup_dispose;
  object_class->finalize = corral_guest_setup_finalize;
  widget_class->unroot = corral_guest_setup_unroot;

  signals[SIGNAL_INSTALLED] =
    g_signal_new ("installed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-guest-setup.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, title_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, body_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, error_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, download_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, preferences_button);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_download);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_cancel);
}

static void
corral_guest_setup_init (CorralGuestSetup *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->catalogue = corral_guest_catalogue_load_default (&error);
  if (self->catalogue != NULL)
    self->offer = corral_guest_catalogue_get_default (self->catalogue);
  show_offer (self);
  if (error != NULL)
    show_error (self, error->message);
}
