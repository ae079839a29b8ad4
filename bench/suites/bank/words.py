"""Word tables of the bank: plain English words for the string and list templates, and the parts that
fictional entities are built from (realistic first names, invented surnames and place names).

Words are entities: each lies in the split its name hashes to (bench/suites/bank/common.py).
The invented surname and place parts were chosen to sound real without naming anyone notable.
"""

WORDS = (
    "apple", "banana", "garden", "window", "butter", "candle", "planet", "river", "silver", "orange", "pencil",
    "rabbit", "forest", "bottle", "ladder", "market", "pepper", "winter", "summer", "mirror", "pocket", "carpet",
    "basket", "bridge", "castle", "dragon", "engine", "flower", "guitar", "hammer", "island", "jacket", "kitten",
    "lemon", "monkey", "number", "object", "parrot", "rocket", "saddle", "ticket", "tunnel", "velvet", "wallet",
    "yellow", "zipper", "anchor", "button", "cactus", "doctor", "falcon", "giraffe", "harbor", "insect", "jungle",
    "kettle", "lizard", "magnet", "needle", "oyster", "puzzle", "quartz", "ribbon", "spider", "turtle", "violin",
    "walnut", "yogurt", "blanket", "cabbage", "dolphin", "feather", "giant", "helmet", "iceberg", "journal",
    "kingdom", "lantern", "meadow", "napkin", "orchard", "pumpkin", "quiver", "railway", "sandal", "thunder",
    "uniform", "village", "weather", "compass", "diamond", "elephant", "festival", "harvest", "library",
    "mountain", "notebook", "painter", "blossom", "chimney", "crystal", "fountain", "glacier", "horizon",
    "lobster", "marble", "octopus", "pyramid", "seagull", "teapot", "tomato", "umbrella", "volcano", "whistle",
    "almond", "biscuit", "cherry", "donkey", "emerald", "fabric", "goblet", "hollow", "kernel", "locket",
    "muffin", "nectar", "outlet", "pillow", "riddle", "salmon", "timber", "vessel", "wizard", "beetle",
    "cottage", "desert", "mitten", "shadow", "sparrow", "stable", "trumpet", "saucer", "pebble", "cobweb",
)

FIRST_NAMES = (
    "Marta", "Oskar", "Priya", "Tomasz", "Elena", "Samuel", "Ingrid", "Rafael", "Leila", "Henrik", "Amara",
    "Julian", "Sofia", "Mateo", "Keiko", "Dmitri", "Nadia", "Lucas", "Helena", "Tobias", "Aisha", "Victor",
    "Greta", "Omar", "Clara", "Felix", "Yara", "Bruno", "Ines", "Anton", "Mira", "Jonas", "Lena", "Hugo",
    "Farah", "Emil", "Nora", "Pavel", "Rosa", "Arjun",
)
SURNAME_HEADS = ("Keller", "Vell", "Brand", "Halvor", "Mar", "Osten", "Dal", "Fenn", "Hart", "Lind", "Corr",
                 "Ashby", "Thorn", "Whit", "Raven", "Stroh", "Penn", "Quill", "Wester", "Ambro")
SURNAME_TAILS = ("haus", "maran", "wick", "sen", "ova", "dorf", "ington", "stead", "ley", "quist", "enko",
                 "mere", "holt", "ard", "ini")
PLACE_HEADS = ("Brindle", "Ashcombe", "Fallow", "Hollin", "Marrow", "Oster", "Pell", "Quarry", "Rook", "Sedge",
               "Thistle", "Wick", "Alder", "Bramble", "Cinder", "Dunmore", "Elm", "Gorse", "Heron", "Larch")
PLACE_TAILS = ("moor", "ford", "ham", "wick", "bury", "dale", "field", "haven", "stow", "mouth")
# Real regions, only as the setting of an invented place.
REGIONS = ("Ohio", "Bavaria", "Yorkshire", "Ontario", "Tasmania", "Normandy", "Galicia", "Jutland", "Wales",
           "Oregon", "Tuscany", "Saxony")
RELATIONS = ("neighbour", "cousin", "colleague", "landlord", "dentist", "piano teacher", "uncle", "flatmate")
