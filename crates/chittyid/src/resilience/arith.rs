//! 64-bit arithmetic without the library routines: a Cortex-M divides 32-bit numbers
//! in hardware but not 64-bit ones, and the routine the compiler would call costs about
//! a kilobyte of flash. The times the engine divides (milliseconds since boot) fit in
//! 32 bits for 49 days, so the common case is one hardware division. Growth by powers
//! is a short loop, not the library's `saturating_pow`.

/// `n / d` and `n % d`; `(u64::MAX, n)` when `d` is 0 (no caller divides by 0).
pub(crate) const fn div_rem(n: u64, d: u64) -> (u64, u64) {
    if d == 0 {
        return (u64::MAX, n);
    }
    if n <= u32::MAX as u64 && d <= u32::MAX as u64 {
        let (n, d) = (n as u32, d as u32);
        return ((n / d) as u64, (n % d) as u64);
    }
    if d > n {
        return (0, n);
    }
    if d >= 1 << 63 {
        // `n >= d`, and twice `d` would not fit: the quotient is 1.
        return (1, n - d);
    }
    // Long division, one bit at a time: `rest < d < 2^63`, so doubling it fits.
    let (mut quotient, mut rest, mut bit) = (0u64, 0u64, 64);
    while bit > 0 {
        bit -= 1;
        rest = (rest << 1) | ((n >> bit) & 1);
        if rest >= d {
            rest -= d;
            quotient |= 1 << bit;
        }
    }
    (quotient, rest)
}

/// `value × factor^times`, saturating: the same as `value.saturating_mul(factor.saturating_pow(times))`.
pub(crate) fn grown(value: u64, factor: u64, times: u32) -> u64 {
    // After 64 factors of 2 or more the product has saturated; factors of 0 and 1 stop
    // changing it after the first.
    let mut value = value;
    for _ in 0..times.min(64) {
        value = value.saturating_mul(factor);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::{div_rem, grown};

    #[test]
    fn grown_is_a_saturating_power() {
        for value in [0, 1, 3, 50, 60_000, u64::MAX / 3, u64::MAX] {
            for factor in [0, 1, 2, 3, 10, 255, u64::MAX] {
                for times in [0, 1, 2, 7, 63, 64, 65, 200, u32::MAX] {
                    let power = value.saturating_mul(factor.saturating_pow(times));
                    assert_eq!(
                        grown(value, factor, times),
                        power,
                        "{value} {factor} {times}"
                    );
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_division_operator() {
        let edges = [
            0,
            1,
            2,
            9,
            10,
            999,
            1000,
            u64::from(u32::MAX) - 1,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            1 << 40,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        // A small xorshift for values across the whole range, at every size.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut values = edges.to_vec();
        for shift in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> shift);
        }
        for &n in &values {
            for &d in values.iter().filter(|&&d| d != 0) {
                assert_eq!(div_rem(n, d), (n / d, n % d), "{n} / {d}");
            }
        }
    }

    #[test]
    fn by_zero_is_defined() {
        assert_eq!(div_rem(7, 0), (u64::MAX, 7));
        assert_eq!(div_rem(u64::MAX, 0), (u64::MAX, u64::MAX));
    }
}
