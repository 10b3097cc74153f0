/* corral-gl-tiles.c: the view's tiles as GL textures filled by the view
 *
 * Under GTK's GL renderer a GdkMemoryTexture per changed tile meant, for
 * a full frame, a copy of the framebuffer (to set the alpha byte), 135
 * new textures, and GTK filling 135 GL textures of its own from them,
 * sampled with a linear filter. Here a changed tile is one glTexImage2D
 * straight from the framebuffer's rows into an RGB texture (the padding
 * byte QEMU leaves 0 is not read as alpha), wrapped in a GdkGLTexture on
 * the display's context, which GTK's renderer shares, so it draws the
 * texture as it is; with nearest-pixel sampling when the image is not
 * scaled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>

#include "corral-gl-tiles.h"

/* One GL texture, alive while the tiles or a GdkGLTexture showing it
 * need it: GTK may still draw a frame with it after the tiles are gone. */
typedef struct {
  gatomicrefcount ref;
  GdkGLContext *context;
  GLuint id;
} GlTexture;

struct _CorralGlTiles
{
  GdkGLContext *context;
  GlTexture **textures;
  guint n_tiles;
  gboolean nearest;
};

static GlTexture *
gl_texture_ref (GlTexture *texture)
{
  g_atomic_ref_count_inc (&texture->ref);
  return texture;
}

static void
gl_texture_unref (gpointer data)
{
  GlTexture *texture = data;
  GdkGLContext *current;

  if (!g_atomic_ref_count_dec (&texture->ref))
    return;
  /* Often called from GTK's frame, with its context current: put it
   * back after deleting in ours. */
  current = gdk_gl_context_get_current ();
  if (current != NULL)
    g_object_ref (current);
  gdk_gl_context_make_current (texture->context);
  glDeleteTextures (1, &texture->id);
  if (current != NULL)
    {
      gdk_gl_context_make_current (current);
      g_object_unref (current);
    }
  else
    gdk_gl_context_clear_current ();
  g_object_unref (texture->context);
  g_free (texture);
}

static void
set_filter (gboolean nearest)
{
  GLint filter = nearest ? GL_NEAREST : GL_LINEAR;

  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
}

CorralGlTiles *
corral_gl_tiles_new (GdkDisplay *display, guint n_tiles, GError **error)
{
  g_autoptr(GdkGLContext) context = NULL;
  CorralGlTiles *self;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  context = gdk_display_create_gl_context (display, error);
  if (context == NULL || !gdk_gl_context_realize (context, error))
    return NULL;
  /* GL_BGRA uploads are desktop GL. Elsewhere the view keeps memory
   * textures. */
  if (gdk_gl_context_get_use_es (context))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "GLES: no BGRA uploads");
      return NULL;
    }

  self = g_new0 (CorralGlTiles, 1);
  self->context = g_steal_pointer (&context);
  self->n_tiles = n_tiles;
  self->textures = g_new0 (GlTexture *, n_tiles);
  self->nearest = TRUE;
  return self;
}

void
corral_gl_tiles_free (CorralGlTiles *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_tiles; i++)
    g_clear_pointer (&self->textures[i], gl_texture_unref);
  g_free (self->textures);
  g_object_unref (self->context);
  g_free (self);
}

void
corral_gl_tiles_begin (CorralGlTiles *self)
{
  gdk_gl_context_make_current (self->context);
}

void
corral_gl_tiles_end (CorralGlTiles *self)
{
  glFlush ();
}

GdkTexture *
corral_gl_tiles_upload (CorralGlTiles *self,
                        guint          index,
                        const guint8  *data,
                        gsize          stride,
                        int            width,
                        int            height)
{
  GlTexture *texture;

  g_return_val_if_fail (index < self->n_tiles, NULL);

  /* A new texture each time: writing into one the last frame drew from
   * makes llvmpipe copy it (a 64x64 update: 40 ms a frame against 22). */
  g_clear_pointer (&self->textures[index], gl_texture_unref);
  texture = g_new0 (GlTexture, 1);
  g_atomic_ref_count_init (&texture->ref);
  texture->context = g_object_ref (self->context);
  glGenTextures (1, &texture->id);
  glBindTexture (GL_TEXTURE_2D, texture->id);
  set_filter (self->nearest);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  /* RGB: the padding byte QEMU leaves 0 is not alpha. */
  glPixelStorei (GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei (GL_UNPACK_ROW_LENGTH, stride / 4);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, width, height, 0,
                GL_BGRA, GL_UNSIGNED_BYTE, data);
  glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
  self->textures[index] = texture;

  return gdk_gl_texture_new (self->context, texture->id, width, height,
                             gl_texture_unref, gl_texture_ref (texture));
}

void
corral_gl_tiles_set_nearest (CorralGlTiles *self, gboolean nearest)
{
  nearest = !!nearest;
  if (self->nearest == nearest)
    return;
  self->nearest = nearest;
  gdk_gl_context_make_current (self->context);
  for (guint i = 0; i < self->n_tiles; i++)
    if (self->textures[i] != NULL)
      {
        glBindTexture (GL_TEXTURE_2D, self->textures[i]->id);
        set_filter (nearest);
      }
}
