//! The Rust forms `bindgen!` gives WIT types, checked by compiling against them and by
//! round trips through `Val`; and the macro's other input forms.

use tessera_component::{ComponentValue, Linker, Val};

mod kitchen {
    tessera_bindgen::bindgen!({
        world: "kitchen",
        inline: r#"
            package test:kitchen@1.0.0;

            interface types {
                type bytes = list<u8>;
                record everything {
                    a: bool, b: s8, c: u16, d: s64, e: f32, f: f64, g: char, h: string, i: bytes,
                    j: option<u32>, k: result<string, u8>, l: result, m: tuple<u8, string>,
                    n: list<tuple<u32, u32>>, %type: u8, o: map<string, u32>, p: list<u16, 3>,
                }
                variant choice { none, some(everything), self(string) }
                flags many { a, b-c, d }
                resource blob {
                    constructor(data: bytes);
                    size: func() -> u64;
                    merge: static func(a: blob, b: borrow<blob>) -> blob;
                }
                touch: async func(b: borrow<blob>) -> result<_, string>;
            }

            world kitchen {
                use types.{many};
                import types;
                import clock: interface { now: func() -> u64; }
                export exported: interface {
                    use types.{everything};
                    echo: func(e: everything) -> everything;
                }
                export go: func(store: u32, m: many) -> option<list<string>>;
            }
        "#,
    });
}

mod short_form {
    tessera_bindgen::bindgen!("plugin" in "../../examples/plugin-host/wit");
}

use kitchen::test::kitchen::types::{self, Blob, Bytes, Choice, Everything, Many};
use kitchen::Resource;

/// A host implementing every imported trait: the signatures are what the test checks.
struct Host;

impl types::HostBlob for Host {
    fn new(&mut self, data: Bytes) -> tessera_component::Result<Resource<Blob>> {
        Ok(Resource::new_own(data.len() as u32))
    }
    fn size(&mut self, this: Resource<Blob>) -> tessera_component::Result<u64> {
        Ok(this.rep().into())
    }
    fn merge(&mut self, a: Resource<Blob>, b: Resource<Blob>) -> tessera_component::Result<Resource<Blob>> {
        Ok(Resource::new_own(a.rep() + b.rep()))
    }
    fn drop(&mut self, _rep: Resource<Blob>) -> tessera_component::Result<()> {
        Ok(())
    }
}

impl types::Host for Host {
    fn touch(&mut self, _b: Resource<Blob>) -> tessera_component::Result<Result<(), String>> {
        Ok(Err("untouchable".into()))
    }
}

impl kitchen::clock::Host for Host {
    fn now(&mut self) -> tessera_component::Result<u64> {
        Ok(0)
    }
}

fn everything() -> Everything {
    Everything {
        a: true,
        b: -1,
        c: 2,
        d: -3,
        e: 1.5,
        f: 2.5,
        g: 'ß',
        h: "h".into(),
        i: vec![1, 2],
        j: Some(4),
        k: Err(5),
        l: Ok(()),
        m: (6, "m".into()),
        n: vec![(7, 8)],
        type_: 9,
        o: [("x".to_string(), 1), ("a".to_string(), 2)].into_iter().collect(),
        p: [10, 11, 12],
    }
}

#[test]
fn every_type_round_trips_through_val() {
    let e = everything();
    assert_eq!(Everything::from_val(e.clone().into_val()).unwrap(), e);
    let Val::Record(fields) = e.clone().into_val() else { panic!("a record") };
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "type", "o", "p"]
    );
    assert_eq!(fields[10].1, Val::Result(Err(Some(Box::new(Val::U8(5))))));
    // A map is a BTreeMap (keys in order); list<T, N> an array.
    assert_eq!(
        fields[15].1,
        Val::Map(vec![(Val::String("a".into()), Val::U32(2)), (Val::String("x".into()), Val::U32(1))])
    );
    assert_eq!(fields[16].1, Val::List(vec![Val::U16(10), Val::U16(11), Val::U16(12)]));
    // A list of the wrong length is refused; a repeated map key keeps its last value.
    assert!(<[u16; 3]>::from_val(Val::List(vec![Val::U16(1)])).is_err());
    let repeated = Val::Map(vec![(Val::U32(1), Val::Bool(false)), (Val::U32(1), Val::Bool(true))]);
    let map = std::collections::BTreeMap::<u32, bool>::from_val(repeated).unwrap();
    assert_eq!(map.into_iter().collect::<Vec<_>>(), [(1, true)]);
    for choice in [Choice::None, Choice::Some(e), Choice::Self_("s".into())] {
        assert_eq!(Choice::from_val(choice.clone().into_val()).unwrap(), choice);
    }
    let many = Many { a: true, b_c: true, d: false };
    assert_eq!(many.into_val(), Val::Flags(vec!["a".into(), "b-c".into()]));
    assert_eq!(Many::from_val(many.into_val()).unwrap(), many);
}

#[test]
fn host_resources_are_typed_handles() {
    let own: Resource<Blob> = Resource::new_own(3);
    let Val::Resource(any) = own.into_val() else { panic!("a resource") };
    assert!(any.owned());
    assert_eq!(any.rep(), 3);
    assert_eq!(*any.ty(), Resource::<Blob>::resource_type());
    let back = Resource::<Blob>::from_val(Val::Resource(any)).unwrap();
    assert_eq!(back.borrowed(), Resource::new_borrow(3));
    // A handle of another resource type is refused.
    let other = tessera_component::ResourceAny::new_own(tessera_component::ResourceType::host::<Host>(), 3);
    assert!(Resource::<Blob>::from_val(Val::Resource(other)).is_err());
}

#[test]
fn add_to_linker_defines_every_import() {
    let mut linker: Linker<Host> = Linker::new();
    kitchen::Kitchen::add_to_linker(&mut linker, |h| h).unwrap();
    // Defining them twice is an error, not a panic.
    assert!(kitchen::Kitchen::add_to_linker(&mut linker, |h| h).is_err());
    let mut linker: Linker<Host> = Linker::new();
    types::add_to_linker(&mut linker, |h| h).unwrap();
    kitchen::clock::add_to_linker(&mut linker, |h| h).unwrap();
}

#[test]
fn the_short_form_reads_the_same_world() {
    // `plugin` exports `name` and `transform`; a component without them is refused.
    let engine = tessera_engine::Engine::default();
    let component = tessera_component::Component::new(&engine, "(component)").unwrap();
    let mut store = tessera_engine::Store::new(&engine, ());
    let err = short_form::Plugin::instantiate(&mut store, &component, &Linker::new()).err().unwrap();
    assert_eq!(err.to_string(), "the component does not export `name`");
}
