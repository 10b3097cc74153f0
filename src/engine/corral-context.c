/* corral-context.c: what every project window shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-context.h"
#include "corral-guest-store.h"

struct _CorralContext
{
  GObject     parent_instance;

  char       *qemu_binary;
  char       *guest_preference;
  char       *guest_override;
  CorralHost *host;             /* probed lazily */
  CorralGuestBuild *guest_build; /* made lazily */
};

G_DEFINE_FINAL_TYPE (CorralContext, corral_context, G_TYPE_OBJECT)

/* g_set_str() is GLib 2.76; the floor is 2.74. */
static gboolean
set_str (char       **slot,
         const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

enum {
  PROP_0,
  PROP_QEMU_BINARY,
  PROP_GUEST_PREFERENCE,
  PROP_GUEST_BUILD,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

CorralContext *
corral_context_new (void)
{
  return g_object_new (CORRAL_TYPE_CONTEXT, NULL);
}

const CorralHost *
corral_context_get_host (CorralContext *self)
{
  g_return_val_if_fail (CORRAL_IS_CONTEXT (self), NULL);

  if (self->host == NULL)
    self->host = corral_host_probe (self->qemu_binary != NULL && self->qemu_binary[0] != '\0'
                                    ? self->qemu_binary : NULL);
  return self->host;
}

const char *
corral_context_get_guest_override (CorralContext *self)
{
  g_return_val_if_fail (CORRAL_IS_CONTEXT (self), NULL);
  return self->guest_override;
}

void
corral_context_set_guest_override (CorralContext *self,
                                   const char    *manifest)
{
  g_return_if_fail (CORRAL_IS_CONTEXT (self));
  set_str (&self->guest_override, manifest);
}

char *
corral_context_dup_guest_manifest (CorralContext  *self,
                                   GError        **error)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();

  g_return_val_if_fail (CORRAL_IS_CONTEXT (self), NULL);
  return corral_guest_store_resolve (store, self->guest_override, self->guest_preference,
                                     NULL, error);
}

CorralGuest *
corral_context_load_guest (CorralContext  *self,
                           GError        **error)
{
  g_autofree char *manifest = corral_context_dup_guest_manifest (self, error);

  if (manifest == NULL)
    return NULL;
  return corral_guest_load (manifest, error);
}

char *
corral_context_dup_installed_guest (CorralContext *self)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();

  g_return_val_if_fail (CORRAL_IS_CONTEXT (self), NULL);
  return corral_guest_store_resolve (store, NULL, NULL, NULL, NULL);
}

CorralGuestBuild *
corral_context_get_guest_build (CorralContext *self)
{
  g_return_val_if_fail (CORRAL_IS_CONTEXT (self), NULL);

  if (self->guest_build == NULL)
    self->guest_build = corral_guest_build_new_default ();
  return self->guest_build;
}

void
corral_context_set_guest_build (CorralContext    *self,
                                CorralGuestBuild *build)
{
  g_return_if_fail (CORRAL_IS_CONTEXT (self));
  g_return_if_fail (CORRAL_IS_GUEST_BUILD (build));

  if (g_set_object (&self->guest_build, build))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_GUEST_BUILD]);
}

static void
corral_context_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CorralContext *self = CORRAL_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_QEMU_BINARY:
      g_value_set_string (value, self->qemu_binary);
      break;
    case PROP_GUEST_PREFERENCE:
      g_value_set_string (value, self->guest_preference);
      break;
    case PROP_GUEST_BUILD:
      g_value_set_object (value, corral_context_get_guest_build (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_context_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CorralContext *self = CORRAL_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_QEMU_BINARY:
      if (set_str (&self->qemu_binary, g_value_get_string (value)))
        {
          /* Another QEMU may differ in KVM and seccomp support. */
          g_clear_pointer (&self->host, corral_host_free);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_GUEST_PREFERENCE:
      if (set_str (&self->guest_preference, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_context_finalize (GObject *object)
{
  CorralContext *self = CORRAL_CONTEXT (object);

  g_free (self->qemu_binary);
  g_free (self->guest_preference);
  g_free (self->guest_override);
  g_clear_pointer (&self->host, corral_host_free);
  g_clear_object (&self->guest_build);

  G_OBJECT_CLASS (corral_context_parent_class)->finalize (object);
}

static void
corral_context_class_init (CorralContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = corral_context_get_property;
  object_class->set_property = corral_context_set_property;
  object_class->finalize = corral_context_finalize;

  /* The QEMU binary to probe; "" or NULL = the one on PATH. */
  props[PROP_QEMU_BINARY] =
    g_param_spec_string ("qemu-binary", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The guest manifest chosen in Preferences; "" or NULL = none. */
  props[PROP_GUEST_PREFERENCE] =
    g_param_spec_string ("guest-preference", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* CorralGuestBuild; see corral_context_set_guest_build(). */
  props[PROP_GUEST_BUILD] =
    g_param_spec_object ("guest-build", NULL, NULL, CORRAL_TYPE_GUEST_BUILD,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
corral_context_init (CorralContext *self)
{
}
