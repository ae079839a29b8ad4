"""Fact tables of the bank, written for edgebench (no download): capitals, chemical elements, books and
their authors, SI units, and well-known non-capital cities (for false premises).

Only facts that are settled and unambiguous today: countries with contested, several or moving
capitals (Bolivia, South Africa, the Netherlands, Indonesia, Sri Lanka, Malaysia, Switzerland ...)
are left out, and so are large cities with a capital's title of some kind (Valparaíso, Arequipa,
Thessaloniki), so every false premise is plainly false. Each row: the entity (its name decides its split), the answer, accepted other forms.
"""

# (country, capital, other accepted forms of the capital)
CAPITALS = (
    ("France", "Paris", ()), ("Germany", "Berlin", ()), ("Italy", "Rome", ()), ("Spain", "Madrid", ()),
    ("Portugal", "Lisbon", ("Lisboa",)), ("Poland", "Warsaw", ()), ("Austria", "Vienna", ()),
    ("Hungary", "Budapest", ()), ("the Czech Republic", "Prague", ()), ("Greece", "Athens", ()),
    ("Sweden", "Stockholm", ()), ("Norway", "Oslo", ()), ("Finland", "Helsinki", ()), ("Denmark", "Copenhagen", ()),
    ("Ireland", "Dublin", ()), ("Belgium", "Brussels", ()), ("Romania", "Bucharest", ()), ("Bulgaria", "Sofia", ()),
    ("Ukraine", "Kyiv", ("Kiev",)), ("Croatia", "Zagreb", ()), ("Serbia", "Belgrade", ()),
    ("Iceland", "Reykjavik", ("Reykjavík",)), ("Estonia", "Tallinn", ()), ("Latvia", "Riga", ()),
    ("Lithuania", "Vilnius", ()), ("Slovakia", "Bratislava", ()), ("Slovenia", "Ljubljana", ()),
    ("Albania", "Tirana", ()), ("the United Kingdom", "London", ()), ("Russia", "Moscow", ()),
    ("Turkey", "Ankara", ()), ("Japan", "Tokyo", ()), ("China", "Beijing", ()), ("India", "New Delhi", ()),
    ("South Korea", "Seoul", ()), ("Thailand", "Bangkok", ()), ("Vietnam", "Hanoi", ()),
    ("the Philippines", "Manila", ()), ("Pakistan", "Islamabad", ()), ("Bangladesh", "Dhaka", ()),
    ("Nepal", "Kathmandu", ()), ("Afghanistan", "Kabul", ()), ("Iran", "Tehran", ()), ("Iraq", "Baghdad", ()),
    ("Saudi Arabia", "Riyadh", ()), ("Syria", "Damascus", ()), ("Jordan", "Amman", ()), ("Lebanon", "Beirut", ()),
    ("Qatar", "Doha", ()), ("Mongolia", "Ulaanbaatar", ("Ulan Bator",)), ("Cambodia", "Phnom Penh", ()),
    ("Laos", "Vientiane", ()), ("North Korea", "Pyongyang", ()), ("the United Arab Emirates", "Abu Dhabi", ()),
    ("Oman", "Muscat", ()), ("Uzbekistan", "Tashkent", ()), ("Kenya", "Nairobi", ()),
    ("Nigeria", "Abuja", ()), ("Ghana", "Accra", ()), ("Ethiopia", "Addis Ababa", ()), ("Morocco", "Rabat", ()),
    ("Algeria", "Algiers", ()), ("Tunisia", "Tunis", ()), ("Senegal", "Dakar", ()), ("Uganda", "Kampala", ()),
    ("Zimbabwe", "Harare", ()), ("Zambia", "Lusaka", ()), ("Angola", "Luanda", ()), ("Mali", "Bamako", ()),
    ("Rwanda", "Kigali", ()), ("Libya", "Tripoli", ()), ("Madagascar", "Antananarivo", ()),
    ("Cameroon", "Yaoundé", ("Yaounde",)), ("Mozambique", "Maputo", ()), ("Namibia", "Windhoek", ()),
    ("Botswana", "Gaborone", ()), ("the United States", "Washington, D.C.", ("Washington", "Washington D.C.", "Washington DC")),
    ("Canada", "Ottawa", ()), ("Mexico", "Mexico City", ()), ("Brazil", "Brasília", ("Brasilia",)),
    ("Argentina", "Buenos Aires", ()), ("Chile", "Santiago", ()), ("Peru", "Lima", ()),
    ("Colombia", "Bogotá", ("Bogota",)), ("Venezuela", "Caracas", ()), ("Ecuador", "Quito", ()),
    ("Uruguay", "Montevideo", ()), ("Paraguay", "Asunción", ("Asuncion",)), ("Cuba", "Havana", ()),
    ("Jamaica", "Kingston", ()), ("Costa Rica", "San José", ("San Jose",)), ("Honduras", "Tegucigalpa", ()),
    ("Nicaragua", "Managua", ()), ("the Dominican Republic", "Santo Domingo", ()), ("Haiti", "Port-au-Prince", ()),
    ("Australia", "Canberra", ()), ("New Zealand", "Wellington", ()), ("Fiji", "Suva", ()),
    ("Papua New Guinea", "Port Moresby", ()),
)

# (country, a large city that is not its capital): "Why is Sydney the capital of Australia?"
NOT_CAPITALS = (
    ("Australia", "Sydney"), ("Canada", "Toronto"), ("Turkey", "Istanbul"), ("Brazil", "São Paulo"),
    ("the United States", "New York"), ("India", "Mumbai"), ("China", "Shanghai"), ("Morocco", "Casablanca"),
    ("Nigeria", "Lagos"), ("Pakistan", "Lahore"), ("Vietnam", "Ho Chi Minh City"), ("New Zealand", "Auckland"),
    ("Germany", "Munich"), ("Italy", "Milan"), ("Spain", "Barcelona"), ("Japan", "Osaka"),
    ("South Korea", "Busan"), ("Colombia", "Medellín"), ("Ecuador", "Guayaquil"), ("Saudi Arabia", "Jeddah"),
    ("the United Arab Emirates", "Dubai"), ("Cameroon", "Douala"), ("Ghana", "Kumasi"), ("Kenya", "Mombasa"),
    ("Poland", "Kraków"), ("France", "Lyon"), ("the United Kingdom", "Manchester"), ("Argentina", "Córdoba"),
    ("Canada", "Vancouver"), ("Norway", "Bergen"), ("Sweden", "Gothenburg"), ("Portugal", "Porto"),
    ("Ireland", "Cork"), ("Belgium", "Antwerp"), ("Mexico", "Guadalajara"),
    ("Russia", "Novosibirsk"), ("Iraq", "Basra"),
    ("Denmark", "Aarhus"), ("Finland", "Tampere"), ("Austria", "Salzburg"), ("Thailand", "Chiang Mai"),
)

# (element, symbol, atomic number, other accepted spellings of the element)
ELEMENTS = (
    ("hydrogen", "H", 1, ()), ("helium", "He", 2, ()), ("lithium", "Li", 3, ()), ("beryllium", "Be", 4, ()),
    ("boron", "B", 5, ()), ("carbon", "C", 6, ()), ("nitrogen", "N", 7, ()), ("oxygen", "O", 8, ()),
    ("fluorine", "F", 9, ()), ("neon", "Ne", 10, ()), ("sodium", "Na", 11, ()), ("magnesium", "Mg", 12, ()),
    ("aluminium", "Al", 13, ("aluminum",)), ("silicon", "Si", 14, ()), ("phosphorus", "P", 15, ()),
    ("sulfur", "S", 16, ("sulphur",)), ("chlorine", "Cl", 17, ()), ("argon", "Ar", 18, ()),
    ("potassium", "K", 19, ()), ("calcium", "Ca", 20, ()), ("titanium", "Ti", 22, ()), ("chromium", "Cr", 24, ()),
    ("manganese", "Mn", 25, ()), ("iron", "Fe", 26, ()), ("cobalt", "Co", 27, ()), ("nickel", "Ni", 28, ()),
    ("copper", "Cu", 29, ()), ("zinc", "Zn", 30, ()), ("arsenic", "As", 33, ()), ("selenium", "Se", 34, ()),
    ("bromine", "Br", 35, ()), ("krypton", "Kr", 36, ()), ("rubidium", "Rb", 37, ()), ("strontium", "Sr", 38, ()),
    ("zirconium", "Zr", 40, ()), ("silver", "Ag", 47, ()), ("tin", "Sn", 50, ()), ("iodine", "I", 53, ()),
    ("xenon", "Xe", 54, ()), ("caesium", "Cs", 55, ("cesium",)), ("barium", "Ba", 56, ()),
    ("tungsten", "W", 74, ()), ("platinum", "Pt", 78, ()), ("gold", "Au", 79, ()), ("mercury", "Hg", 80, ()),
    ("lead", "Pb", 82, ()), ("radon", "Rn", 86, ()), ("uranium", "U", 92, ()),
)
# Symbols asked for only where the symbol is unmistakable in an answer: two letters, not an English word.
ASKABLE_SYMBOL = lambda symbol: len(symbol) == 2 and symbol.lower() not in {"as", "be", "he", "in", "no", "at"}

# (author, accepted short forms, their books)
AUTHORS = (
    ("Jane Austen", ("Austen",), ("Pride and Prejudice", "Emma", "Sense and Sensibility")),
    ("George Orwell", ("Orwell",), ("Nineteen Eighty-Four", "Animal Farm")),
    ("William Shakespeare", ("Shakespeare",), ("Hamlet", "Macbeth", "Romeo and Juliet", "Othello")),
    ("Charles Dickens", ("Dickens",), ("Oliver Twist", "Great Expectations", "A Tale of Two Cities", "David Copperfield")),
    ("Leo Tolstoy", ("Tolstoy",), ("War and Peace", "Anna Karenina")),
    ("Fyodor Dostoevsky", ("Dostoevsky",), ("Crime and Punishment", "The Brothers Karamazov")),
    ("Mark Twain", ("Twain",), ("The Adventures of Tom Sawyer", "Adventures of Huckleberry Finn")),
    ("Herman Melville", ("Melville",), ("Moby-Dick",)),
    ("Mary Shelley", (), ("Frankenstein",)),
    ("Bram Stoker", ("Stoker",), ("Dracula",)),
    ("J. R. R. Tolkien", ("Tolkien", "J.R.R. Tolkien"), ("The Hobbit", "The Lord of the Rings")),
    ("Harper Lee", (), ("To Kill a Mockingbird",)),
    ("F. Scott Fitzgerald", ("Fitzgerald", "Scott Fitzgerald"), ("The Great Gatsby",)),
    ("Ernest Hemingway", ("Hemingway",), ("The Old Man and the Sea", "A Farewell to Arms")),
    ("Miguel de Cervantes", ("Cervantes",), ("Don Quixote",)),
    ("Victor Hugo", ("Hugo",), ("Les Misérables", "The Hunchback of Notre-Dame")),
    ("Charlotte Brontë", ("Charlotte Bronte",), ("Jane Eyre",)),
    ("Emily Brontë", ("Emily Bronte",), ("Wuthering Heights",)),
    ("Aldous Huxley", ("Huxley",), ("Brave New World",)),
    ("Ray Bradbury", ("Bradbury",), ("Fahrenheit 451",)),
    ("John Steinbeck", ("Steinbeck",), ("The Grapes of Wrath", "Of Mice and Men")),
    ("Jules Verne", ("Verne",), ("Twenty Thousand Leagues Under the Seas", "Around the World in Eighty Days")),
    ("H. G. Wells", ("Wells", "H.G. Wells"), ("The Time Machine", "The War of the Worlds")),
    ("Oscar Wilde", ("Wilde",), ("The Picture of Dorian Gray",)),
    ("Arthur Conan Doyle", ("Conan Doyle",), ("The Hound of the Baskervilles",)),
    ("Lewis Carroll", ("Carroll",), ("Alice's Adventures in Wonderland",)),
    ("Franz Kafka", ("Kafka",), ("The Trial", "The Metamorphosis")),
    ("Virginia Woolf", ("Woolf",), ("Mrs Dalloway", "To the Lighthouse")),
    ("J. D. Salinger", ("Salinger", "J.D. Salinger"), ("The Catcher in the Rye",)),
    ("Daniel Defoe", ("Defoe",), ("Robinson Crusoe",)),
    ("Jonathan Swift", ("Swift",), ("Gulliver's Travels",)),
    ("Robert Louis Stevenson", ("Stevenson",), ("Treasure Island",)),
    ("Louisa May Alcott", ("Alcott",), ("Little Women",)),
    ("Chinua Achebe", ("Achebe",), ("Things Fall Apart",)),
    ("Alexandre Dumas", ("Dumas",), ("The Three Musketeers", "The Count of Monte Cristo")),
    ("Gabriel García Márquez", ("García Márquez", "Gabriel Garcia Marquez", "Garcia Marquez"),
     ("One Hundred Years of Solitude",)),
    ("Toni Morrison", ("Morrison",), ("Beloved",)),
)

# (quantity, SI unit, other accepted forms)
SI_UNITS = (
    ("force", "newton", ("newtons",)), ("energy", "joule", ("joules",)), ("power", "watt", ("watts",)),
    ("electric current", "ampere", ("amperes", "amp", "amps")), ("electric charge", "coulomb", ("coulombs",)),
    ("electric potential difference", "volt", ("volts",)), ("electrical resistance", "ohm", ("ohms",)),
    ("frequency", "hertz", ()), ("pressure", "pascal", ("pascals",)),
    ("thermodynamic temperature", "kelvin", ("kelvins",)), ("mass", "kilogram", ("kilograms", "kilogramme")),
    ("length", "metre", ("meter", "metres", "meters")), ("amount of substance", "mole", ("moles",)),
    ("luminous intensity", "candela", ("candelas",)), ("magnetic flux", "weber", ("webers",)),
    ("capacitance", "farad", ("farads",)), ("inductance", "henry", ("henries", "henrys")),
    ("magnetic flux density", "tesla", ("teslas",)), ("radioactivity", "becquerel", ("becquerels",)),
)
