//! Reading the footprint of a 32-bit little-endian ELF file: flash (code, constants and
//! the load image of initialised data) and static RAM (`.data` and `.bss`).

const SHF_WRITE: u32 = 0x1;
const SHF_ALLOC: u32 = 0x2;
const SHT_NOBITS: u32 = 8;

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, String> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| "ELF file is truncated".to_string())
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "ELF file is truncated".to_string())
}

/// Flash (allocated read-only sections with contents: code and constants) and static
/// RAM (allocated writable sections: `.data` and `.bss`), in bytes.
pub fn footprint(elf: &[u8]) -> Result<(u64, u64), String> {
    if elf.get(..4) != Some(b"\x7fELF") || elf.get(4) != Some(&1) || elf.get(5) != Some(&1) {
        return Err("not a 32-bit little-endian ELF file".into());
    }
    let section_headers = u32_at(elf, 0x20)? as usize;
    let entry_size = usize::from(u16_at(elf, 0x2E)?);
    let count = usize::from(u16_at(elf, 0x30)?);
    let (mut flash, mut ram) = (0u64, 0u64);
    for index in 0..count {
        let header = section_headers + index * entry_size;
        let kind = u32_at(elf, header + 4)?;
        let flags = u32_at(elf, header + 8)?;
        let size = u64::from(u32_at(elf, header + 20)?);
        if flags & SHF_ALLOC == 0 {
            continue;
        }
        if flags & SHF_WRITE != 0 {
            ram += size;
            // Initialised data also occupies flash (its load image).
            if kind != SHT_NOBITS {
                flash += size;
            }
        } else if kind != SHT_NOBITS {
            flash += size;
        }
    }
    Ok((flash, ram))
}

const SHT_SYMTAB: u32 = 2;

/// Every symbol of the ELF file's symbol table with its size in bytes (names as the
/// linker has them, mangled).
pub fn symbols(elf: &[u8]) -> Result<Vec<(String, u64)>, String> {
    let section_headers = u32_at(elf, 0x20)? as usize;
    let entry_size = usize::from(u16_at(elf, 0x2E)?);
    let count = usize::from(u16_at(elf, 0x30)?);
    let section = |index: usize| -> Result<(u32, usize, usize, u32), String> {
        let header = section_headers + index * entry_size;
        Ok((
            u32_at(elf, header + 4)?,
            u32_at(elf, header + 16)? as usize,
            u32_at(elf, header + 20)? as usize,
            u32_at(elf, header + 24)?,
        ))
    };
    let mut found = Vec::new();
    for index in 0..count {
        let (kind, offset, size, link) = section(index)?;
        if kind != SHT_SYMTAB {
            continue;
        }
        let (_, names, names_size, _) = section(link as usize)?;
        let names = elf
            .get(names..names + names_size)
            .ok_or("ELF string table is truncated")?;
        for entry in (offset..offset + size).step_by(16) {
            let name = u32_at(elf, entry)? as usize;
            let bytes = names.get(name..).unwrap_or_default();
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            let size = u64::from(u32_at(elf, entry + 8)?);
            found.push((String::from_utf8_lossy(&bytes[..end]).into_owned(), size));
        }
    }
    Ok(found)
}
