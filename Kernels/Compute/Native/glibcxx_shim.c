/*
 * libLibTorchSharp.so is built with GCC 13 and references std::ios_base_library_init()
 * (symbol version GLIBCXX_3.4.32), GCC 13's hook for initialising the standard streams.
 * Older libstdc++ (Debian 12 ships GLIBCXX_3.4.30) initialises the streams through its own
 * static constructors, so the hook has nothing left to do: a no-op satisfies the reference.
 * The loader dlopen()s this object with RTLD_GLOBAL before libLibTorchSharp.so.
 */
void _ZSt21ios_base_library_initv(void) {}
