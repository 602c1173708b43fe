"""Everyday sentences written for the voice benchmarks (signs, letters, instructions, with
numbers and dates): 16 in Italian, the language Pico's pace was tuned on, 8 in French, German and
Spanish. bench/pico_voice.py speaks them through Pico, bench/languages.py through the neural
voices; they live here so that neither bench imports the other.
"""
from __future__ import annotations

EVERYDAY_IT = (
    "Il negozio è aperto dal lunedì al venerdì, dalle 9 alle 13 e dalle 15 alle 19.",
    "Vietato fumare in tutto l'edificio.",
    "Gentile signora Rossi, la ringrazio per la sua lettera del 12 marzo 2024.",
    "Prendere una compressa due volte al giorno, dopo i pasti.",
    "Il treno per Milano parte dal binario 7 alle ore 8 e un quarto.",
    "Attenzione: il pavimento è bagnato.",
    "La riunione di condominio è rinviata a giovedì 5 ottobre alle 21.",
    "Conservare in frigorifero dopo l'apertura e consumare entro tre giorni.",
    "Si prega di non lasciare i bagagli incustoditi.",
    "L'ufficio postale resterà chiuso il 25 dicembre e il 1 gennaio.",
    "Il pagamento di 150 euro deve arrivare entro la fine del mese.",
    "Per l'assistenza, chiamare il numero verde dalle otto alle venti.",
    "Caro Marco, ti scrivo per dirti che arriveremo sabato sera verso le dieci.",
    "Spegnere il motore e tirare il freno a mano prima di scendere dall'auto.",
    "Lo sconto del 20 per cento vale solo per i clienti con la tessera.",
    "In caso di incendio non usare l'ascensore e seguire le frecce verdi.",
)

EVERYDAY = {
    "it": EVERYDAY_IT,
    "fr": (
        "La pharmacie est ouverte du lundi au samedi, de 9 heures à 19 heures.",
        "Interdiction de fumer dans tout le bâtiment.",
        "Madame, je vous remercie pour votre lettre du 12 mars 2024.",
        "Prendre un comprimé deux fois par jour, après les repas.",
        "Le train pour Lyon part de la voie 7 à 8 heures.",
        "Attention, le sol est glissant.",
        "La réunion est reportée au jeudi 5 octobre à 21 heures.",
        "À conserver au réfrigérateur après ouverture et à consommer dans les trois jours.",
    ),
    "de": (
        "Die Apotheke ist von Montag bis Samstag von 9 bis 19 Uhr geöffnet.",
        "Rauchen ist im ganzen Gebäude verboten.",
        "Sehr geehrte Frau Müller, vielen Dank für Ihren Brief vom 12. März.",
        "Nehmen Sie zweimal am Tag eine Tablette nach dem Essen.",
        "Der Zug nach München fährt um 8 Uhr von Gleis 7 ab.",
        "Achtung, der Boden ist nass.",
        "Die Versammlung wird auf Donnerstag verschoben.",
        "Nach dem Öffnen im Kühlschrank aufbewahren und innerhalb von drei Tagen verbrauchen.",
    ),
    "es": (
        "La farmacia abre de lunes a sábado, de 9 a 19 horas.",
        "Prohibido fumar en todo el edificio.",
        "Estimada señora García, le agradezco su carta del 12 de marzo de 2024.",
        "Tomar una pastilla dos veces al día, después de las comidas.",
        "El tren para Sevilla sale de la vía 7 a las 8 de la mañana.",
        "Atención, el suelo está mojado.",
        "La reunión se aplaza al jueves 5 de octubre a las 21 horas.",
        "Conservar en el frigorífico después de abrir y consumir en tres días.",
    ),
}
