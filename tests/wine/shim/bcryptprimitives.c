/*
 * bcryptprimitives.dll for Wine 8, which does not ship one.
 *
 * Go 1.24 and later resolve ProcessPrng from bcryptprimitives.dll when a Windows binary
 * starts, and abort when it is missing. Wine does provide RtlGenRandom (advapi32's
 * SystemFunction036), so this DLL forwards to it. It is built by the test harness with
 *   x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 * and copied into the test prefix's system32; it is never installed anywhere else.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG length; ProcessPrng a SIZE_T. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
