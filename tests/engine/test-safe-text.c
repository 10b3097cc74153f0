/* test-safe-text.c: another process's words reach the user's terminal
 * and labels without their escape sequences */
#include "config.h"

#include "corral-safe-text.h"

static void
test_controls (void)
{
  g_autofree char *osc52 = corral_safe_text ("a\033]52;c;cHduZWQ=\007b", -1);
  g_autofree char *c1 = corral_safe_text ("x\xc2\x9b" "2Jy", -1);
  g_autofree char *kept = corral_safe_text ("qemu-system-x86_64: -m 4096: épais\n\tnext", -1);
  g_autofree char *cr = corral_safe_text ("over\rwrite", -1);

  g_assert_null (strchr (osc52, '\033'));
  g_assert_null (strchr (osc52, '\007'));
  g_assert_cmpstr (osc52, ==, "a\xef\xbf\xbd]52;c;cHduZWQ=\xef\xbf\xbd" "b");
  g_assert_cmpstr (c1, ==, "x\xef\xbf\xbd" "2Jy");   /* CSI, 8-bit */
  g_assert_cmpstr (kept, ==, "qemu-system-x86_64: -m 4096: épais\n\tnext");
  g_assert_cmpstr (cr, ==, "over\xef\xbf\xbdwrite");
}

static void
test_bytes (void)
{
  const char bytes[] = { 'o', 'k', '\0', '\033', '[', 'm', '\xff', 'z' };
  g_autofree char *safe = corral_safe_text (bytes, sizeof bytes);
  g_autofree char *none = corral_safe_text (NULL, -1);

  g_assert_true (g_utf8_validate (safe, -1, NULL));
  g_assert_null (strchr (safe, '\033'));
  g_assert_true (g_str_has_prefix (safe, "ok\xef\xbf\xbd"));
  g_assert_true (g_str_has_suffix (safe, "z"));
  g_assert_cmpstr (none, ==, "");
}

static void
test_links (void)
{
  g_assert_true (corral_safe_link ("https://docs.anthropic.com/en/docs"));
  g_assert_true (corral_safe_link ("HTTP://example.com/"));
  g_assert_false (corral_safe_link ("file:///home/user/project/evil.jar"));
  g_assert_false (corral_safe_link ("FILE:///etc/passwd"));
  g_assert_false (corral_safe_link ("sftp://attacker.example/share"));
  g_assert_false (corral_safe_link ("smb://attacker.example/share"));
  g_assert_false (corral_safe_link ("vscode://extension/install"));
  g_assert_false (corral_safe_link ("javascript:alert(1)"));
  g_assert_false (corral_safe_link ("https"));
  g_assert_false (corral_safe_link ("/home/user/project/evil.jar"));
  g_assert_false (corral_safe_link (""));
  g_assert_false (corral_safe_link (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safe-text/controls", test_controls);
  g_test_add_func ("/safe-text/bytes", test_bytes);
  g_test_add_func ("/safe-text/links", test_links);
  return g_test_run ();
}
