/*
 * Test-only stand-in for Windows' bcryptprimitives.dll under wine 8, which lacks it: libvips
 * (sharp) imports ProcessPrng from it, the random-number call of Windows 10+. Built with mingw
 * by packaging/test.sh into the wine prefix the test uses; never shipped.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  while (size > 0) {
    ULONG chunk = size > 0x7fffffff ? 0x7fffffff : (ULONG)size;
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk;
    size -= chunk;
  }
  return TRUE;
}
