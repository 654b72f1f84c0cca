//! The entity type `T` (`P L T E A`), its names, and the legacy names of the v2.2.0 client.

use core::fmt;

/// What a ChittyID identifies.
///
/// ```
/// use chittyid::EntityType;
/// assert_eq!(EntityType::from_code(b'L'), Some(EntityType::Place));
/// assert_eq!(EntityType::from_name("person"), Some(EntityType::Person));
/// assert_eq!(EntityType::from_name("INFO"), Some(EntityType::Thing)); // legacy name
/// assert_eq!(EntityType::Event.code(), 'E');
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[allow(clippy::exhaustive_enums, reason = "the ID format's five entity types")]
pub enum EntityType {
    /// `A`: an authority.
    Authority = 0,
    /// `E`: an event.
    Event = 1,
    /// `L`: a place.
    Place = 2,
    /// `P`: a person.
    Person = 3,
    /// `T`: a thing.
    Thing = 4,
}

/// The v2.2.0 client's nine legacy names and the type the service maps each to.
const LEGACY_NAMES: [(&str, EntityType); 9] = [
    ("PEO", EntityType::Person),
    ("PLACE", EntityType::Place),
    ("PROP", EntityType::Thing),
    ("EVNT", EntityType::Event),
    ("AUTH", EntityType::Authority),
    ("INFO", EntityType::Thing),
    ("FACT", EntityType::Thing),
    ("CONTEXT", EntityType::Person),
    ("ACTOR", EntityType::Person),
];

impl EntityType {
    /// All entity types, in the order of their codes.
    pub const ALL: [EntityType; 5] = [
        EntityType::Authority,
        EntityType::Event,
        EntityType::Place,
        EntityType::Person,
        EntityType::Thing,
    ];

    /// The type of a one-letter code (`P L T E A`, upper case only).
    pub const fn from_code(code: u8) -> Option<EntityType> {
        Some(match code {
            b'A' => EntityType::Authority,
            b'E' => EntityType::Event,
            b'L' => EntityType::Place,
            b'P' => EntityType::Person,
            b'T' => EntityType::Thing,
            _ => return None,
        })
    }

    /// The type of a position in [`EntityType::ALL`].
    pub(crate) const fn from_index(index: u8) -> EntityType {
        match index {
            0 => EntityType::Authority,
            1 => EntityType::Event,
            2 => EntityType::Place,
            3 => EntityType::Person,
            _ => EntityType::Thing,
        }
    }

    /// The one-letter code written in the ID.
    pub const fn code(self) -> char {
        self.code_byte() as char
    }

    /// The one-letter code as a byte.
    pub const fn code_byte(self) -> u8 {
        match self {
            EntityType::Authority => b'A',
            EntityType::Event => b'E',
            EntityType::Place => b'L',
            EntityType::Person => b'P',
            EntityType::Thing => b'T',
        }
    }

    /// The word the service uses: `person`, `place`, `thing`, `event`, `authority`.
    pub const fn name(self) -> &'static str {
        match self {
            EntityType::Authority => "authority",
            EntityType::Event => "event",
            EntityType::Place => "place",
            EntityType::Person => "person",
            EntityType::Thing => "thing",
        }
    }

    /// The type of any name the service accepts: the code (`P`), the word (`person`,
    /// any case) or a v2.2.0 legacy name (`PEO` ... `ACTOR`, any case).
    pub fn from_name(name: &str) -> Option<EntityType> {
        if let [code] = name.as_bytes() {
            return EntityType::from_code(code.to_ascii_uppercase());
        }
        if let Some(found) = EntityType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
        {
            return Some(found);
        }
        EntityType::from_legacy_name(name)
    }

    /// The type the service maps a v2.2.0 legacy name to (`PEO`→P … `ACTOR`→P), any case.
    pub fn from_legacy_name(name: &str) -> Option<EntityType> {
        LEGACY_NAMES
            .iter()
            .find(|(legacy, _)| legacy.eq_ignore_ascii_case(name))
            .map(|&(_, entity)| entity)
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_index_order_follows_the_letters() {
        for (index, entity) in EntityType::ALL.into_iter().enumerate() {
            assert_eq!(EntityType::from_code(entity.code_byte()), Some(entity));
            assert_eq!(EntityType::from_index(index as u8), entity);
            assert_eq!(EntityType::from_name(entity.name()), Some(entity));
        }
        let codes: [u8; 5] = EntityType::ALL.map(EntityType::code_byte);
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn legacy_names_map_as_the_service_does() {
        assert_eq!(EntityType::from_name("ACTOR"), Some(EntityType::Person));
        assert_eq!(EntityType::from_name("context"), Some(EntityType::Person));
        assert_eq!(EntityType::from_name("PROP"), Some(EntityType::Thing));
        assert_eq!(EntityType::from_name("EVNT"), Some(EntityType::Event));
        assert_eq!(EntityType::from_name("AUTH"), Some(EntityType::Authority));
        assert_eq!(EntityType::from_name("PLACE"), Some(EntityType::Place));
        assert_eq!(EntityType::from_name("X"), None);
        assert_eq!(EntityType::from_name("people"), None);
    }
}
