/* corral-terminal-filter.c: the guest's console output, minus what a
 * terminal would let it do to the host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A state machine after ECMA-48 and xterm's ctlseqs: an OSC, DCS, APC,
 * PM or SOS string ends at ST (ESC \), at BEL for an OSC, or is cut short
 * by CAN, SUB or another ESC, which then starts a sequence of its own.
 * The 8-bit introducers arrive UTF-8 encoded (U+0090 … U+009F, bytes
 * C2 xx), which xterm obeys in UTF-8 mode: they count as their ESC forms.
 */
#include "config.h"

#include "corral-terminal-filter.h"

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a

/* Enough digits for any OSC number a terminal knows. */
#define MAX_OSC_DIGITS 5

typedef enum {
  GROUND,
  GROUND_C2,     /* after C2: maybe an encoded C1 introducer */
  ESCAPE,        /* after ESC */
  ESCAPE_C2,     /* after ESC C2 */
  OSC_NUMBER,    /* after ESC ]: reading the command's number */
  OSC_PASS,      /* an allowed OSC: copied until its end */
  OSC_PASS_ESC,
  OSC_PASS_C2,
  DROP,          /* a refused string: dropped until its end */
  DROP_ESC,
  DROP_C2,
} State;

struct _CorralTerminalFilter {
  State state;
  gboolean drop_ends_at_bel;   /* an OSC ends at BEL; DCS, APC, PM, SOS do not */
  char number[MAX_OSC_DIGITS + 1];
  guint number_len;
  guint dropped;
};

/* OSC commands an agent's terminal interface uses, none of which reads
 * or writes anything of the host's but the window's own look: 0-2 the
 * title and icon name, 8 a hyperlink, 10-12 and 104, 110-112 the colours
 * (a query's answer goes to the guest, which set them), 133 prompt
 * marks. Not 52 (the clipboard), 7 (a cwd the host's terminal opens new
 * tabs in), 5113 (kitty's file transfer) or anything unknown. */
static gboolean
osc_allowed (const char *number)
{
  static const char * const allowed[] = {
    "0", "1", "2", "8", "10", "11", "12", "104", "110", "111", "112", "133",
  };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (g_str_equal (number, allowed[i]))
      return TRUE;
  return FALSE;
}

CorralTerminalFilter *
corral_terminal_filter_new (void)
{
  return g_new0 (CorralTerminalFilter, 1);
}

void
corral_terminal_filter_free (CorralTerminalFilter *self)
{
  g_free (self);
}

guint
corral_terminal_filter_get_dropped (CorralTerminalFilter *self)
{
  return self->dropped;
}

/* Everything goes out in whole units (a character, ESC with the byte
 * after it, a complete OSC opening): a dropped sequence must never splice
 * what came before it onto what comes after into a sequence of its own,
 * as ESC + "]52;…" or C2 + 9D would. */
static void
put (GByteArray *out,
     const char *bytes,
     gsize       len)
{
  g_byte_array_append (out, (const guint8 *) bytes, len);
}

#define PUT_BYTE(out, c) G_STMT_START { guint8 b_ = (c); g_byte_array_append ((out), &b_, 1); } G_STMT_END
#define REPLACEMENT "\xef\xbf\xbd"

static void feed_byte (CorralTerminalFilter *self, guint8 c, GByteArray *out);

static void
start_drop (CorralTerminalFilter *self,
            gboolean              ends_at_bel)
{
  self->state = DROP;
  self->drop_ends_at_bel = ends_at_bel;
  self->dropped++;
}

/* C2 xx: 0x90 DCS, 0x98 SOS, 0x9d OSC, 0x9e PM, 0x9f APC; 0 otherwise. */
static guint8
encoded_introducer (guint8 c)
{
  switch (c)
    {
    case 0x90: return 'P';
    case 0x98: return 'X';
    case 0x9d: return ']';
    case 0x9e: return '^';
    case 0x9f: return '_';
    default: return 0;
    }
}

static gboolean
is_continuation (guint8 c)
{
  return c >= 0x80 && c <= 0xbf;
}

/* What follows ESC (or an encoded C1, given as its ESC form's byte). */
static void
introducer (CorralTerminalFilter *self,
            guint8                c,
            GByteArray           *out)
{
  switch (c)
    {
    case ']':
      self->state = OSC_NUMBER;
      self->number_len = 0;
      break;
    case 'P': case 'X': case '^': case '_':   /* DCS, SOS, PM, APC */
      start_drop (self, FALSE);
      break;
    case ESC:      /* the first ESC is void: the second one counts */
      self->state = ESCAPE;
      break;
    case 0xc2:     /* ESC then perhaps an encoded C1, which voids the ESC */
      self->state = ESCAPE_C2;
      break;
    default:
      PUT_BYTE (out, ESC);
      PUT_BYTE (out, c);
      self->state = GROUND;
      break;
    }
}

/* A string's ESC, then @c: ST ends the string; else that ESC begins the
 * next sequence. */
static void
after_string_esc (CorralTerminalFilter *self,
                  guint8                c,
                  GByteArray           *out)
{
  self->state = GROUND;
  if (c != '\\')
    introducer (self, c, out);
}

/* C2 then @c, outside any string. */
static void
after_c2 (CorralTerminalFilter *self,
          guint8                c,
          GByteArray           *out)
{
  guint8 intro = encoded_introducer (c);

  self->state = GROUND;
  if (intro != 0)
    {
      introducer (self, intro, out);
    }
  else if (is_continuation (c))
    {
      PUT_BYTE (out, 0xc2);
      PUT_BYTE (out, c);
    }
  else
    {
      put (out, REPLACEMENT, 3);   /* a lone lead byte */
      feed_byte (self, c, out);
    }
}

static void
osc_number (CorralTerminalFilter *self,
            guint8                c,
            GByteArray           *out)
{
  if (g_ascii_isdigit (c) && self->number_len < MAX_OSC_DIGITS)
    {
      self->number[self->number_len++] = c;
      return;
    }
  self->number[self->number_len] = '\0';
  if (c == ';' && self->number_len > 0 && osc_allowed (self->number))
    {
      put (out, "\033]", 2);
      put (out, self->number, self->number_len);
      PUT_BYTE (out, ';');
      self->state = OSC_PASS;
      return;
    }
  /* Refused, or no number at all: dropped, this byte included, unless
   * it is the end already. */
  start_drop (self, TRUE);
  feed_byte (self, c, out);
}

static void
feed_byte (CorralTerminalFilter *self,
           guint8                c,
           GByteArray           *out)
{
  switch (self->state)
    {
    case GROUND:
      if (c == ESC)
        self->state = ESCAPE;
      else if (c == 0xc2)
        self->state = GROUND_C2;
      else
        PUT_BYTE (out, c);
      break;

    case GROUND_C2:
      after_c2 (self, c, out);
      break;

    case ESCAPE:
      introducer (self, c, out);
      break;

    case ESCAPE_C2:
      if (encoded_introducer (c) != 0)
        {
          after_c2 (self, c, out);
        }
      else
        {
          PUT_BYTE (out, ESC);
          after_c2 (self, c, out);
        }
      break;

    case OSC_NUMBER:
      osc_number (self, c, out);
      break;

    case OSC_PASS:
      if (c == ESC)
        self->state = OSC_PASS_ESC;
      else if (c == 0xc2)
        self->state = OSC_PASS_C2;
      else
        {
          PUT_BYTE (out, c);
          if (c == BEL || c == CAN || c == SUB)
            self->state = GROUND;
        }
      break;

    case OSC_PASS_ESC:
      /* ESC \ ends it; any other ESC cuts it short and begins a sequence
       * of its own: the terminal gets a proper end either way. */
      put (out, "\033\\", 2);
      after_string_esc (self, c, out);
      break;

    case OSC_PASS_C2:
      self->state = OSC_PASS;
      if (c == 0x9c)   /* ST, encoded */
        {
          put (out, "\033\\", 2);
          self->state = GROUND;
        }
      else if (c >= 0xa0 && c <= 0xbf)
        {
          PUT_BYTE (out, 0xc2);
          PUT_BYTE (out, c);
        }
      else
        {
          /* A C1 control inside a string, or a lone lead byte: no
           * terminal's business in a title or a link. */
          put (out, REPLACEMENT, 3);
          if (!is_continuation (c))
            feed_byte (self, c, out);
        }
      break;

    case DROP:
      if ((c == BEL && self->drop_ends_at_bel) || c == CAN || c == SUB)
        self->state = GROUND;
      else if (c == ESC)
        self->state = DROP_ESC;
      else if (c == 0xc2)
        self->state = DROP_C2;
      break;

    case DROP_ESC:
      after_string_esc (self, c, out);
      break;

    case DROP_C2:
      self->state = DROP;
      if (c == 0x9c)
        self->state = GROUND;
      else if (!is_continuation (c))
        feed_byte (self, c, out);
      break;

    default:
      g_assert_not_reached ();
    }
}

void
corral_terminal_filter_feed (CorralTerminalFilter *self,
                             const char           *data,
                             gsize                 len,
                             GByteArray           *out)
{
  for (gsize i = 0; i < len; i++)
    feed_byte (self, (guint8) data[i], out);
}
