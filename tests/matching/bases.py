"""Name bases the matching tests look things up in.

The first one, FACT_BASE, is shaped like the seed article's fact base; the others are
synthetic and crowded, to exercise the sampled bisections and the search budgets.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.matching.index import NameEntry

# key -> (display name, aliases); ids are added as kind "id".
FACT_BASE: dict[str, tuple[str, tuple[str, ...]]] = {
    "sergei-lavrov": ("Sergei Lavrov", ("Lavrov", "Sergey Lavrov", "Сергей Лавров")),
    "anatoliy-serdyukov": ("Anatoliy Serdyukov", ("Serdyukov", "Anatoly Serdyukov")),
    "nursultan-nazarbayev": ("Nursultan Nazarbayev", ("Nazarbayev", "Nazarbaev")),
    "yerzhan-kazykhanov": ("Yerzhan Kazykhanov", ("Kazykhanov", "Erzhan Kazykhanov")),
    "vladimir-putin": ("Vladimir Putin", ("Putin",)),
    "aleksei-nikolski": ("Aleksei Nikolski", ("Nikolski", "Alexei Nikolsky")),
    "csto": ("CSTO", ("Collective Security Treaty Organization",)),
    "nato": ("NATO", ("North Atlantic Treaty Organization", "the Alliance")),
    "sco": ("SCO", ("Shanghai Cooperation Organization",)),
    "ksor": (
        "KSOR",
        ("Collective Rapid Reaction Force", "Kollektivnye Sil Operativnogo Reagirovaniya"),
    ),
    "vko": ("VKO", ("Aerospace Defense Forces", "Vozdushno Kosmicheskaya Oborona")),
    "un": ("UN", ("United Nations",)),
    "russia": ("Russia", ("Russian Federation",)),
    "kazakhstan": ("Kazakhstan", ()),
    "kyrgyzstan": ("Kyrgyzstan", ()),
    "tajikistan": ("Tajikistan", ()),
    "uzbekistan": ("Uzbekistan", ()),
    "armenia": ("Armenia", ()),
    "belarus": ("Belarus", ()),
    "afghanistan": ("Afghanistan", ()),
    "united-states": ("United States", ("US",)),
    "moscow": ("Moscow", ()),
    # The article says "Moscow" for the Russian government: a real two-key tie.
    "russian-government": ("Government of Russia", ("Kremlin", "Moscow")),
    "astana": ("Astana", ()),
    "brussels": ("Brussels", ()),
    "ulyanovsk": ("Ulyanovsk", ()),
    "tashkent": ("Tashkent", ()),
    "central-asia": ("Central Asia", ()),
    "interfax": ("Interfax", ()),
    "krasnaya-zvezda": ("Krasnaya Zvezda", ()),
    "vedomosti": ("Vedomosti", ()),
    "rossiyskaya-gazeta": ("Rossiyskaya Gazeta", ("Rossiyskiya Gazeta",)),
}


def fact_entries() -> Iterator[NameEntry]:
    for key, (name, aliases) in FACT_BASE.items():
        yield NameEntry(key, key, "id")
        yield NameEntry(key, name, "name")
        for alias in aliases:
            yield NameEntry(key, alias, "alias")


def synthetic_names(count: int) -> list[NameEntry]:
    """Deterministic multi-word names, enough to exercise the sampled bisection indexes."""
    firsts = ["Sergei", "Aleksei", "Yerzhan", "Nurlan", "Oleg", "Askar", "Dmitry", "Timur"]
    roots = ["lav", "serd", "nazar", "kazy", "pet", "smir", "kuzn", "bek", "tok", "zhuk", "orl"]
    mids = ["", "a", "o", "yu", "kh", "en"]
    ends = ["ov", "ev", "in", "enko", "sky", "bayev", "khanov", "uly"]
    out = []
    for number in range(count):
        surname = (
            roots[number % len(roots)]
            + mids[(number // 11) % len(mids)]
            + ends[(number // 66) % len(ends)]
        ).capitalize()
        first = firsts[(number // 528) % len(firsts)]
        out.append(NameEntry(f"p{number}", f"{first} {surname}", "name"))
    return out


def crowd() -> list[NameEntry]:
    """A crowded base: 40 first names x 30 patronymics with one surname, so every word of a
    name is shared by hundreds of names and only two words together narrow it down."""
    firsts = [
        "Aleksandr", "Boris", "Denis", "Yegor", "Fyodor", "Gleb", "Igor", "Kirill", "Leonid",
        "Maksim", "Nikita", "Oleg", "Pavel", "Roman", "Semyon", "Timur", "Vadim", "Yakov",
        "Zakhar", "Anton", "Bogdan", "Danila", "Yefim", "Filipp", "Gennady", "Ilya", "Konstantin",
        "Lev", "Makar", "Nikolai", "Osip", "Pyotr", "Rodion", "Savva", "Taras", "Ustin",
        "Valentin", "Yaroslav", "Zinovy", "Artyom",
    ]  # fmt: skip
    fathers = [
        "Ivanovich", "Petrovich", "Sergeyevich", "Olegovich", "Borisovich", "Denisovich",
        "Igorevich", "Kirillovich", "Leonidovich", "Maksimovich", "Nikitich", "Pavlovich",
        "Romanovich", "Semyonovich", "Timurovich", "Vadimovich", "Yakovlevich", "Zakharovich",
        "Antonovich", "Bogdanovich", "Danilovich", "Filippovich", "Gennadyevich", "Ilyich",
        "Konstantinovich", "Lvovich", "Makarovich", "Nikolayevich", "Osipovich", "Rodionovich",
    ]  # fmt: skip
    out = [
        NameEntry(f"p{i}-{j}", f"{first} {father} Yemelyanov", "name")
        for i, first in enumerate(firsts)
        for j, father in enumerate(fathers)
    ]
    out.append(NameEntry("kozlov", "Yaroslav Igorevich Kozlov", "name"))
    out.append(NameEntry("goncharov", "Yefim Vladimirovich Goncharov", "name"))
    out.append(NameEntry("zakharov", "Timofei Wladimirowitsch Sacharow", "name"))  # German
    return out


def edit(entries: list[NameEntry], step: int) -> tuple[set[str], list[NameEntry]]:
    """Some keys changed (an alias added, a rename, a removal, a new key): (keys, entries)."""
    keys = sorted({e.key for e in entries})
    alias, renamed, removed = keys[step], keys[2 * step + 1], keys[3 * step + 2]
    out: list[NameEntry] = []
    for e in entries:
        if e.key == removed:
            continue
        if e.key == renamed and e.kind == "name":
            e = NameEntry(e.key, f"Vsevolod {e.text.split()[-1]}ski", "name")
        out.append(e)
        if e.key == alias and e.kind == "name":
            out.append(NameEntry(e.key, f"{e.text} Junior", "alias"))
    out.append(NameEntry(f"new-{step}", f"Yaroslav Kozlovsky {step}", "name"))
    return {alias, renamed, removed, f"new-{step}"}, out


def varied_names() -> list[NameEntry]:
    """400 people, 20 to a first name and 20 to a surname: crowded, within every budget."""
    firsts = ["Sergei", "Aleksei", "Yerzhan", "Nurlan", "Oleg", "Askar", "Dmitry", "Timur",
              "Bolat", "Marat", "Ruslan", "Daniyar", "Kanat", "Yuri", "Gleb", "Roman", "Azamat",
              "Vadim", "Ilya", "Murat"]  # fmt: skip
    lasts = ["Lavrov", "Serdyukov", "Nazarbayev", "Kazykhanov", "Petrov", "Smirnov", "Orlov",
             "Tokayev", "Zhukov", "Bekov", "Kuznetsov", "Sorokin", "Zorin", "Larin", "Lapin",
             "Ivanov", "Ivankov", "Abenov", "Sultanov", "Masimov"]  # fmt: skip
    return [
        NameEntry(f"{first}-{last}".lower(), f"{first} {last}", "name")
        for first in firsts
        for last in lasts
    ]


def namesakes() -> list[NameEntry]:
    """Many people of one first name, as at 100k: 300 Vyacheslavs, among them Antonov (and
    four Antonovs with a patronymic) and Aksyonov, the rest with surnames ending like
    Antonov's (-onov, -tov), so a misspelt surname's trigrams reach more vocabulary words
    than a lookup scores."""
    stems = ["Sim", "Tikh", "Plat", "Le", "Semy", "Fil", "Dor", "Mir", "Ag", "Kozh", "Bar",
             "Sid", "Kal", "Mar", "Pan", "Rod", "Gul", "Zhd", "Lag", "Nest"]  # fmt: skip
    middles = ["onov", "otov", "anov", "itov", "unov"]
    tails = ["", "ski", "ich", "in", "ets"]
    surnames = [s + m + t for s in stems for m in middles for t in tails][:298]
    people = [
        ("vyacheslav-antonov", "Vyacheslav Antonov"),
        ("vyacheslav-aksyonov", "Vyacheslav Aksyonov"),
    ]
    people += [(f"vyacheslav-{s.lower()}", f"Vyacheslav {s}") for s in surnames]
    people += [  # namesakes of Antonov: the pair (Vyacheslav, Antonov) alone fills a pool
        (f"vyacheslav-{father.lower()}-antonov", f"Vyacheslav {father} Antonov")
        for father in ("Olegovich", "Andreyevich", "Arkadyevich", "Ivanovich")
    ]
    return [NameEntry(key, name, "name") for key, name in people]


def sound_alikes() -> list[NameEntry]:
    """Seen at 100k (query seeds 4-6): names one query reads two ways. `Jana` is the German
    Яна (Yana) and a sound-alike of Zhanna (zh = j); `Ygor` a typo of Yegor and a sound-alike
    of Igor (y = i); `VSSeSI` a typo of VSSSI and a sound-alike of VSESI (doubled letters).
    Seen at seeds 7-20: `Jana Wolkowa` (German Yana Volkova), `Alyna Zhukova` (a typo of
    Alyena, a sound-alike of Alina: y = i), `Belogliinnsk` (a typo of Beloglininsk, a
    sound-alike of Beloglinsk: ii = i, nn = n)."""
    orgs = [
        ("vsesi", "Verkhnevolzhinka-Stepnoy Energy Strategic Institute", "VSESI"),
        ("vsssi", "Verkhnekurganevka-Shakhtinskiy Security Strategic Inspectorate", "VSSSI"),
    ]
    people = ["Zhanna Markina", "Yana Markina", "Igor Kravtsov", "Yegor Kravtsov"]
    people += ["Zhanna Volkova", "Yana Volkova", "Alina Zhukova", "Alyena Zhukova"]
    people += ["Beloglinsk", "Beloglininsk"]
    out = [NameEntry(n.lower().replace(" ", "-"), n, "name") for n in people]
    for key, name, acronym in orgs:
        out += [NameEntry(key, name, "name"), NameEntry(key, acronym, "alias")]
    return out
