"""The formats screener reads and the kinds of reference each names: shared by the importers (reading),
the exporters (writing) and the command line (its --format choices), without loading any parser."""

# The export formats the importers read, by the name `screener import --format` takes.
FORMATS = (
    "pubmed",
    "pubmed-xml",
    "ris",
    "ovid",
    "refer",
    "refworks",
    "bibtex",
    "endnote-xml",
    "wos",
    "wos-tab",
    "csv",
)

# Types from RIS TY codes, BibTeX entry types and WoS PT codes, spelled as PubMed does
# so that the same kind of record reads the same whatever its source.
TYPE_NAMES = {
    "JOUR": "Journal Article", "JFULL": "Journal Article", "EJOUR": "Journal Article",
    "MGZN": "Magazine Article", "NEWS": "Newspaper Article", "ABST": "Abstract",
    "CONF": "Conference Proceeding", "CPAPER": "Conference Paper", "BOOK": "Book",
    "EBOOK": "Book", "EDBOOK": "Book", "CHAP": "Book Chapter", "ECHAP": "Book Chapter",
    "THES": "Thesis", "RPRT": "Report", "GOVDOC": "Government Document", "ELEC": "Web Page",
    "PAT": "Patent", "UNPB": "Unpublished Work", "DATA": "Dataset", "STAND": "Standard",
    "SER": "Serial", "INPR": "In Press", "CASE": "Case", "COMP": "Computer Program",
}  # fmt: skip

GENERATED_KEY_PREFIX = "screener:"

ENTRY_TYPES = {
    "article": "Journal Article", "inproceedings": "Conference Paper", "conference": "Conference Paper",
    "proceedings": "Conference Proceeding", "book": "Book", "inbook": "Book Chapter",
    "incollection": "Book Chapter", "phdthesis": "Thesis", "mastersthesis": "Thesis", "thesis": "Thesis",
    "techreport": "Report", "report": "Report", "unpublished": "Unpublished Work", "online": "Web Page",
    "electronic": "Web Page", "www": "Web Page", "patent": "Patent", "dataset": "Dataset",
}  # fmt: skip
