//! The year and month of minting, `YYMM`, and the old three-digit `YYM` form.

use core::fmt;

/// Year and month of minting.
///
/// Canonical IDs carry `YYMM` with a month `01`-`12`. Older generators wrote `YY` and the
/// last digit of the month (`259`): those parse only in lenient mode, and their month is
/// ambiguous, so [`YearMonth::month`] is `None` for them.
///
/// ```
/// use chittyid::YearMonth;
/// let ym = YearMonth::new(26, 2).unwrap();
/// assert_eq!((ym.year(), ym.month()), (26, Some(2)));
/// assert!(YearMonth::new(26, 13).is_none());
/// let old = YearMonth::three_digit(25, 9).unwrap();
/// assert_eq!(old.month(), None);
/// assert_eq!(old.to_string(), "259");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct YearMonth {
    year: u8,
    /// The month `1`-`12`, or the last digit of the month for the three-digit form.
    month: u8,
    three_digit: bool,
}

impl YearMonth {
    /// A canonical year `0`-`99` and month `1`-`12`.
    pub const fn new(year: u8, month: u8) -> Option<YearMonth> {
        if year <= 99 && month >= 1 && month <= 12 {
            Some(YearMonth {
                year,
                month,
                three_digit: false,
            })
        } else {
            None
        }
    }

    /// The old three-digit form: year `0`-`99` and the last digit of the month `0`-`9`.
    pub const fn three_digit(year: u8, month_digit: u8) -> Option<YearMonth> {
        if year <= 99 && month_digit <= 9 {
            Some(YearMonth {
                year,
                month: month_digit,
                three_digit: true,
            })
        } else {
            None
        }
    }

    /// The two-digit year.
    pub const fn year(self) -> u8 {
        self.year
    }

    /// The month `1`-`12`; `None` for the ambiguous three-digit form.
    pub const fn month(self) -> Option<u8> {
        if self.three_digit {
            None
        } else {
            Some(self.month)
        }
    }

    /// `true` for the old three-digit form.
    pub const fn is_three_digit(self) -> bool {
        self.three_digit
    }

    /// The segment as a number: `2602`, or `259` for the three-digit form.
    pub const fn as_number(self) -> u16 {
        if self.three_digit {
            self.year as u16 * 10 + self.month as u16
        } else {
            self.year as u16 * 100 + self.month as u16
        }
    }

    /// Rebuilds a value that was checked before it was packed.
    pub(crate) const fn from_packed(year: u8, month: u8, three_digit: bool) -> YearMonth {
        YearMonth {
            year,
            month,
            three_digit,
        }
    }

    /// The raw month field (the month, or its last digit).
    pub(crate) const fn month_field(self) -> u8 {
        self.month
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.three_digit {
            write!(f, "{:03}", self.as_number())
        } else {
            write!(f, "{:04}", self.as_number())
        }
    }
}
