/*
 * elf_weaken_version FILE VERSION
 *
 * Marks the version requirement VERSION (e.g. GLIBCXX_3.4.32) in FILE's .gnu.version_r section as
 * weak (VER_FLG_WEAK in vna_flags), so the dynamic loader accepts a library that lacks that version
 * node and resolves the symbols it needs elsewhere. Edits FILE in place; exits 0 when the flag is
 * set (or was already), 1 when VERSION is not required by FILE, 2 on a malformed or unreadable file.
 * ELF64 little-endian only, which is all the x86-64 build needs.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *file, const char *what) {
    fprintf(stderr, "elf_weaken_version: %s: %s\n", file, what);
    return 2;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: elf_weaken_version FILE VERSION\n");
        return 2;
    }
    const char *file = argv[1], *version = argv[2];
    FILE *f = fopen(file, "r+b");
    if (!f) return fail(file, "cannot open for writing");
    if (fseek(f, 0, SEEK_END) != 0) return fail(file, "cannot seek");
    long size = ftell(f);
    if (size < (long)sizeof(Elf64_Ehdr)) return fail(file, "too small to be ELF");
    unsigned char *buf = malloc((size_t)size);
    if (!buf) return fail(file, "out of memory");
    rewind(f);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) return fail(file, "short read");

    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(file, "not a little-endian ELF64 file");
    if (eh->e_shoff == 0 || eh->e_shoff + (Elf64_Off)eh->e_shnum * sizeof(Elf64_Shdr) > (Elf64_Off)size)
        return fail(file, "section header table out of range");
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);

    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        if (sh[i].sh_link >= eh->e_shnum) return fail(file, "bad sh_link on .gnu.version_r");
        Elf64_Shdr *strtab = &sh[sh[i].sh_link];
        const char *strs = (const char *)buf + strtab->sh_offset;
        Elf64_Off off = sh[i].sh_offset;
        for (Elf64_Word n = 0; n < sh[i].sh_info; n++) {
            if (off + sizeof(Elf64_Verneed) > (Elf64_Off)size) return fail(file, "verneed out of range");
            Elf64_Verneed *vn = (Elf64_Verneed *)(buf + off);
            Elf64_Off aoff = off + vn->vn_aux;
            for (Elf64_Half a = 0; a < vn->vn_cnt; a++) {
                if (aoff + sizeof(Elf64_Vernaux) > (Elf64_Off)size) return fail(file, "vernaux out of range");
                Elf64_Vernaux *va = (Elf64_Vernaux *)(buf + aoff);
                if (va->vna_name < strtab->sh_size && strcmp(strs + va->vna_name, version) == 0) {
                    va->vna_flags |= VER_FLG_WEAK;
                    if (fseek(f, (long)aoff, SEEK_SET) != 0 ||
                        fwrite(va, sizeof(Elf64_Vernaux), 1, f) != 1 || fclose(f) != 0)
                        return fail(file, "write failed");
                    printf("%s: %s marked weak\n", file, version);
                    return 0;
                }
                if (va->vna_next == 0) break;
                aoff += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            off += vn->vn_next;
        }
    }
    fprintf(stderr, "elf_weaken_version: %s: no requirement on %s\n", file, version);
    return 1;
}
