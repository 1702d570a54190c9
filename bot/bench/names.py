"""Name material for the generator: Russian names in Cyrillic and transliteration systems.

Real fact bases about the post-Soviet space are crowded with namesakes, and every name has
several Latin spellings: Александр Козлов is "Aleksandr Kozlov" (BGN/PCGN), "Alexander Kozlov"
(the popular English form), "Aleksandr Kozlov" (Library of Congress), "Alexander Koslow"
(German, Duden) and "Aleksandr Kozlov" (scholarly, with háčeks where the name has ž, č, š).
`transliterate` produces each of them from the Cyrillic, so the generator can store some as
aliases and use the others as queries the fact base has never seen.
"""

from __future__ import annotations

# Male first names: Cyrillic and the usual English spelling (which BGN/PCGN often is not).
MALE: tuple[tuple[str, str], ...] = (
    ("Александр", "Alexander"), ("Алексей", "Alexei"), ("Андрей", "Andrei"),
    ("Антон", "Anton"), ("Аркадий", "Arkady"), ("Артём", "Artyom"), ("Борис", "Boris"),
    ("Вадим", "Vadim"), ("Валентин", "Valentin"), ("Валерий", "Valery"),
    ("Василий", "Vasily"), ("Виктор", "Victor"), ("Виталий", "Vitaly"),
    ("Владимир", "Vladimir"), ("Владислав", "Vladislav"), ("Вячеслав", "Vyacheslav"),
    ("Геннадий", "Gennady"), ("Георгий", "Georgy"), ("Глеб", "Gleb"),
    ("Григорий", "Grigory"), ("Денис", "Denis"), ("Дмитрий", "Dmitry"),
    ("Евгений", "Yevgeny"), ("Егор", "Yegor"), ("Иван", "Ivan"), ("Игорь", "Igor"),
    ("Илья", "Ilya"), ("Кирилл", "Kirill"), ("Константин", "Konstantin"),
    ("Леонид", "Leonid"), ("Максим", "Maxim"), ("Матвей", "Matvei"), ("Михаил", "Mikhail"),
    ("Никита", "Nikita"), ("Николай", "Nikolai"), ("Олег", "Oleg"), ("Павел", "Pavel"),
    ("Пётр", "Pyotr"), ("Роман", "Roman"), ("Руслан", "Ruslan"), ("Семён", "Semyon"),
    ("Сергей", "Sergei"), ("Станислав", "Stanislav"), ("Степан", "Stepan"),
    ("Тимофей", "Timofei"), ("Фёдор", "Fyodor"), ("Юрий", "Yuri"), ("Яков", "Yakov"),
    ("Ярослав", "Yaroslav"), ("Анатолий", "Anatoly"), ("Эдуард", "Eduard"),
    ("Филипп", "Philipp"), ("Лев", "Lev"), ("Захар", "Zakhar"), ("Арсений", "Arseny"),
    ("Всеволод", "Vsevolod"), ("Родион", "Rodion"), ("Тимур", "Timur"), ("Ефим", "Yefim"),
)  # fmt: skip

FEMALE: tuple[tuple[str, str], ...] = (
    ("Анна", "Anna"), ("Алёна", "Alyona"), ("Александра", "Alexandra"), ("Алина", "Alina"),
    ("Анастасия", "Anastasia"), ("Валентина", "Valentina"), ("Вера", "Vera"),
    ("Виктория", "Victoria"), ("Галина", "Galina"), ("Дарья", "Darya"),
    ("Евгения", "Yevgenia"), ("Екатерина", "Yekaterina"), ("Елена", "Yelena"),
    ("Елизавета", "Yelizaveta"), ("Жанна", "Zhanna"), ("Зоя", "Zoya"), ("Ирина", "Irina"),
    ("Карина", "Karina"), ("Ксения", "Ksenia"), ("Лариса", "Larisa"), ("Любовь", "Lyubov"),
    ("Людмила", "Lyudmila"), ("Маргарита", "Margarita"), ("Марина", "Marina"),
    ("Мария", "Maria"), ("Надежда", "Nadezhda"), ("Наталья", "Natalya"), ("Нина", "Nina"),
    ("Оксана", "Oksana"), ("Ольга", "Olga"), ("Полина", "Polina"), ("Светлана", "Svetlana"),
    ("София", "Sofia"), ("Тамара", "Tamara"), ("Татьяна", "Tatyana"), ("Ульяна", "Ulyana"),
    ("Юлия", "Yulia"), ("Яна", "Yana"), ("Эльвира", "Elvira"), ("Инна", "Inna"),
    ("Кира", "Kira"), ("Лидия", "Lidia"), ("Василиса", "Vasilisa"),
)  # fmt: skip

# Masculine surnames; the feminine forms are derived (Kozlov → Kozlova, -sky → -skaya).
SURNAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        """
    Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
    Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
    Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв
    Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов
    Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов
    Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов
    Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов
    Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов
    Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов
    Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов
    Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов
    Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов
    Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров
    Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов
    Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов Мальцев Логинов Горшков
    Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин Хохлов
    Фадеев Молчанов Игнатов Литвинов Ершов Ушаков Дементьев Рябов Мухин Калашников
    Леонтьев Лобанов Кузин Корнеев Евдокимов Бородин Платонов Некрасов Балашов Бобров
    Жданов Блинов Игнатьев Коротков Муравьёв Крюков Беляков Богомолов Дроздов Лавров
    Зуев Петухов Ларин Никулин Серов Терентьев Зотов Устинов Фокин Самойлов Константинов
    Сахаров Шишкин Самсонов Черкасов Чистяков Носов Спиридонов Карасёв Авдеев Воронцов
    Зверев Владимиров Селезнёв Нечаев Кудрявцев Седов Фирсов Андрианов Панин Головин
    Терехов Ульянов Шестаков Агеев Никонов Селиванов Баженов Гордеев Кожевников Пахомов
    Зимин Костин Широков Филимонов Ларионов Овсянников Сазонов Суворов Нефёдов Корнилов
    Любимов Львов Горбачёв Копылов Лукин Токарев Кулешов Шилов Большаков Панкратов
    Родин Шаповалов Покровский Бочаров Никольский Маркин Горелов Агафонов Березин Ермолаев
    Зубков Куприянов Трифонов Масленников Круглов Третьяков Колосов Рожков Артамонов
    Шмелёв Лаптев Лапшин Федосеев Зиновьев Зорин Уткин Столяров Зубов Ткачёв Дорофеев
    Антипов Завьялов Свиридов Золотарёв Кулаков Мещеряков Макеев Дьяконов Гуляев Петровский
    Бондарев Поздняков Панфилов Кочетков Суханов Рыжов Старостин Калмыков Колесов Золотов
    Кравцов Субботин Шубин Щукин Лосев Винокуров Лапин Парфёнов Исаков Голованов Коровин
    Розанов Артёмов Козлов Ковальский Вишневский Островский Садовский Яблонский Заславский
    Сердюков Назарбаев Лавренко Шевченко Бондаренко Коваленко Кравченко Ткаченко Мельниченко
    Казыханов Токаев Алиев Садыков Юсупов Рахимов Ибрагимов Абдуллаев Каримов Мамедов
    Толстой Трубецкой Шаховской Боровой Луговой Полевой Высоцкий Вяземский Достоевский
    Чайковский Раевский Жуковский Соловьёв Гагарин Лермонтов Тургенев Шостакович Горький
    """.split()  # noqa: SIM905
    )
)

PATRONYMICS: tuple[str, ...] = tuple(
    """
    Иванович Петрович Сергеевич Алексеевич Николаевич Владимирович Александрович Дмитриевич
    Андреевич Михайлович Юрьевич Викторович Борисович Григорьевич Павлович Олегович Игоревич
    Евгеньевич Анатольевич Васильевич Геннадьевич Валерьевич Фёдорович Константинович
    Леонидович Романович Степанович Яковлевич Семёнович Аркадьевич
    """.split()  # noqa: SIM905
)

# Places: prefix + root + suffix, all in Cyrillic (Ново+кузнец+к = Новокузнецк).
PLACE_PREFIXES = ("", "", "", "Ново", "Старо", "Верхне", "Нижне", "Бело", "Красно", "Черно")
PLACE_ROOTS: tuple[str, ...] = tuple(
    """
    кузнец камен берез озер волж камыш сосн лес гор сибир ураль днепр дон курган тагил
    ангар енисей байкал север юж восток запад степ луг пол бор дуб ольх лип рябин клён
    серг павл петр никол михайл алексе иван владимир димитр борис глеб ярослав свят
    медн желез серебр золот угл сол песк глин торф кам рудн мост брод перевоз стан
    город слобод посад остров берег бухт залив мыс устьев холм курск тул орл брян смол
    """.split()  # noqa: SIM905
)
PLACE_SUFFIXES = ("ск", "овск", "инск", "ово", "ино", "оград", "огорск", "ополь", "ец", "ка",
                  "ное", "евка", "ицы", "инка")  # fmt: skip
# Second words that tell apart towns of one name (Каменск-Уральский, Каменск-Шахтинский).
PLACE_QUALIFIERS = ("Уральский", "Сибирский", "Волжский", "Донской", "Тульский", "Окский",
                    "Камский", "Северный", "Южный", "Полесский", "Шахтинский", "Лесной",
                    "Степной", "Приморский", "Заречный", "Горный", "Озёрный", "Речной",
                    "Береговой", "Подгорный")  # fmt: skip

# English organisation names and their parts.
ORG_ADJECTIVES = (
    "Regional", "Federal", "National", "Municipal", "Joint", "Strategic", "Industrial",
    "Scientific", "Military", "Energy", "Transport", "Security", "Trade", "Agrarian",
    "Maritime", "Nuclear", "Financial", "Cultural", "Medical", "Technical",
)  # fmt: skip
ORG_NOUNS = (
    "Committee", "Council", "Agency", "Institute", "Union", "Service", "Directorate",
    "Corporation", "Bank", "Foundation", "Commission", "Academy", "Association", "Ministry",
    "Bureau", "Authority", "Centre", "Chamber", "Fund", "Inspectorate",
)  # fmt: skip
# Russian company names: Сиб+нефть = Сибнефть (Sibneft).
COMPANY_HEADS = ("Рос", "Сиб", "Урал", "Волга", "Дон", "Кузбасс", "Татар", "Ямал", "Балт",
                 "Амур", "Камч", "Печор", "Алтай", "Сахалин", "Приморь", "Енисей")  # fmt: skip
COMPANY_TAILS = ("нефть", "газ", "маш", "атом", "тех", "энерго", "строй", "транс", "банк",
                 "хим", "мет", "лес", "агро", "телеком", "порт", "авиа")  # fmt: skip

OUTLETS: tuple[tuple[str, str], ...] = (
    ("Interfax", "Интерфакс"), ("TASS", "ТАСС"), ("RIA Novosti", "РИА Новости"),
    ("Kommersant", "Коммерсантъ"), ("Vedomosti", "Ведомости"),
    ("Krasnaya Zvezda", "Красная звезда"), ("Izvestia", "Известия"),
    ("Rossiyskaya Gazeta", "Российская газета"), ("Nezavisimaya Gazeta", "Независимая газета"),
    ("Novaya Gazeta", "Новая газета"), ("Moskovsky Komsomolets", "Московский комсомолец"),
    ("Regnum", "Регнум"), ("Fergana News", "Фергана"), ("Kazinform", "Казинформ"),
    ("Trend News Agency", "Тренд"), ("Ekho Moskvy", "Эхо Москвы"),
)  # fmt: skip

ROLES = (
    "Director", "Deputy Director", "Chairman", "Deputy Chairman", "Head", "Chief Economist",
    "Press Secretary", "Chief of Staff", "Adviser", "Senior Analyst", "General Counsel",
    "Governor", "Deputy Governor", "Minister", "Deputy Minister", "Ambassador", "Envoy",
)  # fmt: skip

# Names that are not in any generated fact base (for "not found" queries).
FOREIGN_FIRST = (
    "Brandon", "Harriet", "Quentin", "Wilhelmina", "Percival", "Gwendolyn", "Bartholomew",
    "Cordelia", "Ignatius", "Marigold", "Montgomery", "Rosalind", "Thaddeus", "Imogen",
    "Cornelius", "Beatrix", "Leopold", "Octavia", "Ambrose", "Henrietta",
)  # fmt: skip
FOREIGN_HEADS = ("Thorn", "Ash", "Bram", "Wick", "Holl", "Fenn", "Crest", "Marl", "Dun", "Hart",
                 "Brook", "Whit", "Pem", "Stan", "Wex")  # fmt: skip
FOREIGN_TAILS = ("wood", "bury", "field", "worth", "stone", "ley", "ridge", "combe", "ham",
                 "by", "wick", "ford", "well", "mere", "hurst")  # fmt: skip


def feminine(surname: str) -> str:
    """The feminine form of a Russian surname (Kozlov → Kozlova, -sky → -skaya)."""
    for masc, fem in (("ский", "ская"), ("цкий", "цкая"), ("ской", "ская"), ("цкой", "цкая")):
        if surname.endswith(masc):
            return surname[: -len(masc)] + fem
    if surname.endswith(("ой", "ый")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname  # -енко, -ич, Georgian, Armenian ... do not change


def feminine_patronymic(patronymic: str) -> str:
    return patronymic[:-2] + "на"  # Иванович → Ивановна, Юрьевич → Юрьевна


_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

# system -> (letter overrides, what е/ё become at a word start or after a vowel or sign)
SYSTEMS: dict[str, tuple[dict[str, str], str, str]] = {
    # BGN/PCGN (simplified: no apostrophes for the soft and hard signs)
    "bgn": ({"ё": "ye"}, "ye", "yo"),
    # the popular press spelling: -ий/-ый → -y, otherwise BGN-like
    "popular": ({"ё": "yo"}, "ye", "yo"),
    # ALA-LC (Library of Congress), without the ligature ties
    "loc": ({"й": "i", "ю": "iu", "я": "ia"}, "e", "e"),
    # German (Duden)
    "german": (
        {
            "в": "w",
            "ж": "sch",
            "з": "s",
            "й": "i",
            "х": "ch",
            "ц": "z",
            "ч": "tsch",
            "ш": "sch",
            "щ": "schtsch",
            "ю": "ju",
            "я": "ja",
            "ё": "jo",
        },
        "je",
        "jo",
    ),
    # scholarly (ISO 9 / Slavist), with háčeks
    "scholarly": (
        {
            "ж": "ž",
            "й": "j",
            "х": "x",
            "ц": "c",
            "ч": "č",
            "ш": "š",
            "щ": "šč",
            "ю": "ju",
            "я": "ja",
            "ё": "ë",
            "э": "è",
        },
        "e",
        "ë",
    ),
}
_VOWELS = set("аеёиоуыэюяъь")


def transliterate(text: str, system: str) -> str:
    """Latin spelling of Cyrillic `text` under `system` (a key of SYSTEMS)."""
    table, ye, yo = SYSTEMS[system]
    words = []
    for word in text.split(" "):
        parts = []
        for part in word.split("-"):
            lower = part.lower()
            if system == "popular" and lower.endswith(("ий", "ый")):
                lower = lower[:-2] + "y" if len(lower) > 4 else lower
            if system == "german":
                if lower.endswith("ий"):
                    lower = lower[:-2] + "i"
                lower = lower.replace("кс", "x")
            out = []
            for i, ch in enumerate(lower):
                if ch in "её" and (i == 0 or lower[i - 1] in _VOWELS):
                    out.append(ye if ch == "е" else yo)
                    continue
                out.append(table.get(ch, _COMMON.get(ch, ch)))
            latin = "".join(out)
            if system == "german" and latin.endswith(("ov", "ev")):
                latin = latin[:-1] + "w"  # Koslow, Medwedew
            parts.append(latin[:1].upper() + latin[1:])
        words.append("-".join(parts))
    return " ".join(words)
