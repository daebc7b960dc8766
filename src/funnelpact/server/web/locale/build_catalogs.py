# ruff: noqa: E501  (a table of whole sentences: splitting them would hide what is translated)
"""The web pages' es/it catalogs (django.po and .mo): the table below merged into them.

The .po files are the record (texts were also added to them directly); this script adds or
updates the table's entries, keeps every other entry, and compiles the .mo files.

uv run python src/funnelpact/server/web/locale/build_catalogs.py
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

T = {
    "Dashboard": ("Panel", "Cruscotto"),
    "My leads": ("Mis leads", "I miei lead"),
    "Leads": ("Leads", "Lead"),
    "Planner": ("Planificador", "Pianificatore"),
    "Agreement": ("Acuerdo", "Accordo"),
    "Reports": ("Informes", "Report"),
    "Imports": ("Importaciones", "Importazioni"),
    "Settings": ("Ajustes", "Impostazioni"),
    "Sign out": ("Salir", "Esci"),
    "Sign in": ("Entrar", "Accedi"),
    "Language": ("Idioma", "Lingua"),
    "Skip to content": ("Ir al contenido", "Vai al contenuto"),
    "Menu": ("Menú", "Menu"),
    "Main": ("Principal", "Principale"),
    "Change": ("Cambiar", "Cambia"),
    "User name": ("Usuario", "Nome utente"),
    "Password": ("Contraseña", "Password"),
    "The Sales & Marketing SLA, live.": (
        "El SLA de Marketing y Ventas, en vivo.",
        "Lo SLA Marketing e Vendite, dal vivo.",
    ),
    "Wrong user name or password.": (
        "Usuario o contraseña incorrectos.",
        "Nome utente o password errati.",
    ),
    "Too many failed attempts. Try again in 15 minutes.": (
        "Demasiados intentos fallidos. Vuelve a intentarlo en 15 minutos.",
        "Troppi tentativi falliti. Riprova tra 15 minuti.",
    ),
    "Filters": ("Filtros", "Filtri"),
    "Period": ("Periodo", "Periodo"),
    "This week": ("Esta semana", "Questa settimana"),
    "This month": ("Este mes", "Questo mese"),
    "This quarter": ("Este trimestre", "Questo trimestre"),
    "Stream": ("Línea", "Linea"),
    "Source": ("Origen", "Fonte"),
    "Team": ("Equipo", "Team"),
    "All": ("Todos", "Tutti"),
    "Apply": ("Aplicar", "Applica"),
    "Key figures": ("Cifras clave", "Cifre chiave"),
    "MQLs this period": ("MQL del periodo", "MQL del periodo"),
    "target": ("objetivo", "obiettivo"),
    "Behind plan": ("Por debajo del plan", "Sotto il piano"),
    "Ahead of plan": ("Por encima del plan", "Sopra il piano"),
    "On track": ("En línea", "In linea"),
    "First touch within SLA": ("Primer contacto dentro del SLA", "Primo contatto entro lo SLA"),
    "met": ("cumplidos", "rispettati"),
    "breached": ("incumplidos", "violati"),
    "MQLs accepted": ("MQL aceptados", "MQL accettati"),
    "previous period": ("periodo anterior", "periodo precedente"),
    "Leads at risk now": ("Leads en riesgo ahora", "Lead a rischio ora"),
    "at risk or breached, unresolved": (
        "en riesgo o incumplidos, sin resolver",
        "a rischio o violati, non risolti",
    ),
    "MQL pacing against target": (
        "Ritmo de MQL frente al objetivo",
        "Ritmo degli MQL rispetto all'obiettivo",
    ),
    "Funnel: actual against planned rates": (
        "Embudo: tasas reales frente a planificadas",
        "Funnel: tassi reali rispetto a quelli pianificati",
    ),
    "Speed to lead": ("Velocidad de respuesta", "Velocità di risposta"),
    "Compliance by rep": ("Cumplimiento por comercial", "Conformità per commerciale"),
    "Compliance by source and campaign": (
        "Cumplimiento por origen y campaña",
        "Conformità per fonte e campagna",
    ),
    "Trend against the previous period": (
        "Tendencia frente al periodo anterior",
        "Tendenza rispetto al periodo precedente",
    ),
    "Leads at risk right now": ("Leads en riesgo ahora mismo", "Lead a rischio in questo momento"),
    "Stage": ("Etapa", "Fase"),
    "Entered": ("Entradas", "Ingressi"),
    "Actual": ("Real", "Reale"),
    "Planned": ("Planificado", "Pianificato"),
    "Within SLA": ("Dentro del SLA", "Entro lo SLA"),
    "Campaign": ("Campaña", "Campagna"),
    "Now": ("Ahora", "Ora"),
    "Before": ("Antes", "Prima"),
    "MQLs": ("MQL", "MQL"),
    "Accepted": ("Aceptado", "Accettato"),
    "accepted": ("aceptados", "accettati"),
    "Tolerance band": ("Banda de tolerancia", "Banda di tolleranza"),
    "Rejected": ("Rechazado", "Rifiutato"),
    "Lead": ("Lead", "Lead"),
    "Owner": ("Responsable", "Responsabile"),
    "Obligation": ("Obligación", "Obbligo"),
    "Status": ("Estado", "Stato"),
    "Due": ("Vence", "Scadenza"),
    "No lead at risk.": ("Ningún lead en riesgo.", "Nessun lead a rischio."),
    "Nothing yet.": ("Nada todavía.", "Ancora niente."),
    "Target": ("Objetivo", "Obiettivo"),
    "Low": ("Mínimo", "Minimo"),
    "High": ("Máximo", "Massimo"),
    "No agreement in force yet: targets and obligations appear once one is loaded.": (
        "Aún no hay acuerdo en vigor: los objetivos y las obligaciones aparecen al cargarlo.",
        "Nessun accordo in vigore: obiettivi e obblighi compaiono quando se ne carica uno.",
    ),
    "Open MQLs waiting for a decision, the most urgent first.": (
        "MQL abiertos pendientes de decisión, primero los más urgentes.",
        "MQL aperti in attesa di decisione, prima i più urgenti.",
    ),
    "Due in": ("Vence en", "Scade tra"),
    "Decision": ("Decisión", "Decisione"),
    "Log a touch": ("Registrar un contacto", "Registra un contatto"),
    "Accept": ("Aceptar", "Accetta"),
    "Reject": ("Rechazar", "Rifiuta"),
    "Reason…": ("Motivo…", "Motivo…"),
    "Rejection reason": ("Motivo de rechazo", "Motivo del rifiuto"),
    "Touch type": ("Tipo de contacto", "Tipo di contatto"),
    "Call": ("Llamada", "Chiamata"),
    "E-mail": ("Correo", "E-mail"),
    "Meeting": ("Reunión", "Riunione"),
    "Log": ("Registrar", "Registra"),
    "No open MQL: nothing is waiting for you.": (
        "Ningún MQL abierto: nada te espera.",
        "Nessun MQL aperto: niente ti aspetta.",
    ),
    "Open": ("Abrir", "Apri"),
    "Touch logged": ("Contacto registrado", "Contatto registrato"),
    "Choose accept or reject.": ("Elige aceptar o rechazar.", "Scegli accetta o rifiuta."),
    "Choose call, e-mail or meeting.": (
        "Elige llamada, correo o reunión.",
        "Scegli chiamata, e-mail o riunione.",
    ),
    "Created": ("Creado", "Creato"),
    "Identities": ("Identidades", "Identità"),
    "Subject": ("Asunto", "Oggetto"),
    "Obligations": ("Obligaciones", "Obblighi"),
    "Cycle": ("Ciclo", "Ciclo"),
    "No obligation: this contact was never handed off.": (
        "Sin obligaciones: este contacto nunca se traspasó.",
        "Nessun obbligo: questo contatto non è mai stato passato.",
    ),
    "Timeline": ("Historial", "Cronologia"),
    "Nothing happened yet.": ("Aún no ha pasado nada.", "Non è ancora successo nulla."),
    "The reverse funnel: from the revenue goal to the volume every stage needs.": (
        "El embudo inverso: de la meta de ingresos al volumen que necesita cada etapa.",
        "Il funnel inverso: dall'obiettivo di ricavi al volume di ogni fase.",
    ),
    "Inputs": ("Datos", "Dati"),
    "Revenue goal": ("Meta de ingresos", "Obiettivo di ricavi"),
    "Currency": ("Moneda", "Valuta"),
    "Average deal size": ("Venta media", "Vendita media"),
    "Period start": ("Inicio del periodo", "Inizio del periodo"),
    "Working weeks": ("Semanas laborables", "Settimane lavorative"),
    "Tolerance": ("Tolerancia", "Tolleranza"),
    "Conversion rate to the next stage": (
        "Tasa de conversión a la etapa siguiente",
        "Tasso di conversione alla fase successiva",
    ),
    "Plan": ("Plan", "Piano"),
    "Save as scenario": ("Guardar como escenario", "Salva come scenario"),
    "Scenario name": ("Nombre del escenario", "Nome dello scenario"),
    "Save": ("Guardar", "Salva"),
    "Customers needed": ("Clientes necesarios", "Clienti necessari"),
    "goal": ("meta", "obiettivo"),
    "Needed": ("Necesarios", "Necessari"),
    "Per month": ("Al mes", "Al mese"),
    "Per week": ("A la semana", "A settimana"),
    "Saved scenarios": ("Escenarios guardados", "Scenari salvati"),
    "No scenario saved yet.": ("Aún no hay escenarios guardados.", "Nessuno scenario salvato."),
    "Compare": ("Comparar", "Confronta"),
    "next review": ("próxima revisión", "prossima revisione"),
    "No agreement in force yet.": ("Aún no hay acuerdo en vigor.", "Nessun accordo in vigore."),
    "Sign-off": ("Firmas", "Firme"),
    "Signed": ("Firmado", "Firmato"),
    "Signed an earlier text": ("Firmó un texto anterior", "Ha firmato un testo precedente"),
    "Not signed": ("Sin firmar", "Non firmato"),
    "Sign as": ("Firmar como", "Firma come"),
    "Sign the agreement": ("Firmar el acuerdo", "Firma l'accordo"),
    "Versions": ("Versiones", "Versioni"),
    "in force": ("en vigor", "in vigore"),
    "document": ("documento", "documento"),
    "Signatures only": ("Solo firmas", "Solo firme"),
    "No change of content": ("Sin cambios de contenido", "Nessuna modifica del contenuto"),
    "Document": ("Documento", "Documento"),
    "The agreement document": ("El documento del acuerdo", "Il documento dell'accordo"),
    "Report": ("Informe", "Report"),
    "Download": ("Descargar", "Scarica"),
    "Every obligation with its status": (
        "Todas las obligaciones con su estado",
        "Tutti gli obblighi con il loro stato",
    ),
    "Rejected MQLs by reason, source and campaign": (
        "MQL rechazados por motivo, origen y campaña",
        "MQL rifiutati per motivo, fonte e campagna",
    ),
    "SLA compliance by rep, source and campaign (this month)": (
        "Cumplimiento del SLA por comercial, origen y campaña (este mes)",
        "Conformità SLA per commerciale, fonte e campagna (questo mese)",
    ),
    "Reports of the agreement": ("Informes del acuerdo", "Report dell'accordo"),
    "What it shows": ("Qué muestra", "Cosa mostra"),
    "Use this period": ("Usar este periodo", "Usa questo periodo"),
    "Empty: this month (this week for the weekly meeting).": (
        "Vacío: este mes (esta semana para la reunión semanal).",
        "Vuoto: questo mese (questa settimana per la riunione settimanale).",
    ),
    "Your reports hold your own leads only.": (
        "Tus informes solo incluyen tus propios leads.",
        "I tuoi report includono solo i tuoi lead.",
    ),
    "Your reports hold your team's leads only.": (
        "Tus informes solo incluyen los leads de tu equipo.",
        "I tuoi report includono solo i lead del tuo team.",
    ),
    "Data exports": ("Exportaciones de datos", "Esportazioni di dati"),
    "or": ("o", "oppure"),
    "Sign in with %(name)s": ("Entrar con %(name)s", "Accedi con %(name)s"),
    "Continue": ("Continuar", "Continua"),
    "Back to the sign-in page": ("Volver a la página de acceso", "Torna alla pagina di accesso"),
    "Single sign-on failed: the identity provider's answer could not be accepted.": (
        "El inicio de sesión único falló: no se pudo aceptar la respuesta del proveedor de identidad.",
        "L'accesso unico non è riuscito: la risposta del provider di identità non è stata accettata.",
    ),
    "Single sign-on was cancelled.": (
        "Se canceló el inicio de sesión único.",
        "L'accesso unico è stato annullato.",
    ),
    "Choose the user name and e-mail of your new account.": (
        "Elige el usuario y el correo de tu nueva cuenta.",
        "Scegli il nome utente e l'e-mail del tuo nuovo account.",
    ),
    "New accounts are created by an administrator.": (
        "Las cuentas nuevas las crea un administrador.",
        "I nuovi account sono creati da un amministratore.",
    ),
    "This account is inactive.": ("Esta cuenta está inactiva.", "Questo account non è attivo."),
    "Files": ("Archivos", "File"),
    "The plan sets targets for the whole company and its streams.": (
        "El plan fija objetivos para toda la empresa y sus líneas.",
        "Il piano fissa obiettivi per l'intera azienda e le sue linee.",
    ),
    "Rejection reasons": ("Motivos de rechazo", "Motivi di rifiuto"),
    "Reason": ("Motivo", "Motivo"),
    "No MQL rejected in this period.": (
        "Ningún MQL rechazado en este periodo.",
        "Nessun MQL rifiutato in questo periodo.",
    ),
    "pending": ("pendiente", "in attesa"),
    "at risk": ("en riesgo", "a rischio"),
    "not applicable": ("no aplica", "non applicabile"),
    "stage": ("etapa", "fase"),
    "owner": ("responsable", "responsabile"),
    "decision": ("decisión", "decisione"),
    "call": ("llamada", "chiamata"),
    "e-mail": ("correo", "e-mail"),
    "meeting": ("reunión", "riunione"),
    "note": ("nota", "nota"),
    "task": ("tarea", "attività"),
    "page view": ("visita", "visita"),
    "form": ("formulario", "modulo"),
    "download": ("descarga", "download"),
    "People needed at each stage": (
        "Personas necesarias en cada etapa",
        "Persone necessarie in ogni fase",
    ),
    "Any CSV, with a column mapping": (
        "Cualquier CSV, con un mapeo de columnas",
        "Qualsiasi CSV, con una mappatura delle colonne",
    ),
    "Column mapping (YAML, for a mapped CSV)": (
        "Mapeo de columnas (YAML, para un CSV mapeado)",
        "Mappatura delle colonne (YAML, per un CSV mappato)",
    ),
    "A mapped CSV needs its mapping file (YAML).": (
        "Un CSV mapeado necesita su archivo de mapeo (YAML).",
        "Un CSV mappato richiede il suo file di mappatura (YAML).",
    ),
    "HubSpot or Salesforce exports, or any CSV with a column mapping. All or nothing: a bad row stores nothing and is named below.": (
        "Exportaciones de HubSpot o Salesforce, o cualquier CSV con un mapeo de columnas. Todo o nada: una fila errónea no guarda nada y se indica abajo.",
        "Esportazioni HubSpot o Salesforce, o qualsiasi CSV con una mappatura. Tutto o niente: una riga errata non salva nulla ed è indicata sotto.",
    ),
    "Import": ("Importar", "Importa"),
    "Import refused": ("Importación rechazada", "Importazione rifiutata"),
    "Imported": ("Importado", "Importato"),
    "Nothing was stored.": ("No se guardó nada.", "Non è stato salvato nulla."),
    "Choose at least one CSV file.": (
        "Elige al menos un archivo CSV.",
        "Scegli almeno un file CSV.",
    ),
    "Users and roles": ("Usuarios y roles", "Utenti e ruoli"),
    "Teams": ("Equipos", "Team"),
    "API tokens": ("Tokens de API", "Token API"),
    "Webhook secrets": ("Secretos de webhook", "Segreti webhook"),
    "Alert channels": ("Canales de alerta", "Canali di avviso"),
    "Send a test message": ("Enviar un mensaje de prueba", "Invia un messaggio di prova"),
    "Audit log": ("Registro de auditoría", "Registro di audit"),
    "Role changed.": ("Rol cambiado.", "Ruolo cambiato."),
    "Token revoked.": ("Token revocado.", "Token revocato."),
    "Webhook secret saved.": ("Secreto guardado.", "Segreto salvato."),
    "Test message sent.": ("Mensaje de prueba enviado.", "Messaggio di prova inviato."),
    "User": ("Usuario", "Utente"),
    "Rep": ("Comercial", "Commerciale"),
    "Role": ("Rol", "Ruolo"),
    "Revoke": ("Revocar", "Revoca"),
    "Create token": ("Crear token", "Crea token"),
    "When": ("Cuándo", "Quando"),
    "Who": ("Quién", "Chi"),
    "What": ("Qué", "Cosa"),
    # Error pages.
    "No access": ("Sin acceso", "Accesso negato"),
    "Your role does not give you access to this page.": (
        "Tu rol no da acceso a esta página.",
        "Il tuo ruolo non dà accesso a questa pagina.",
    ),
    "Page not found": ("Página no encontrada", "Pagina non trovata"),
    "There is nothing at this address, or it is not yours to see.": (
        "No hay nada en esta dirección, o no te corresponde verlo.",
        "Non c'è nulla a questo indirizzo, oppure non è tuo da vedere.",
    ),
    "Something went wrong": ("Algo ha fallado", "Qualcosa è andato storto"),
    "The server could not answer. Try again in a moment.": (
        "El servidor no ha podido responder. Vuelve a intentarlo en un momento.",
        "Il server non ha potuto rispondere. Riprova tra un momento.",
    ),
    "This form has expired. Reload the page and send it again.": (
        "Este formulario ha caducado. Recarga la página y vuelve a enviarlo.",
        "Questo modulo è scaduto. Ricarica la pagina e invialo di nuovo.",
    ),
    "Back to the dashboard": ("Volver al panel", "Torna al cruscotto"),
}
root = Path("src/funnelpact/server/web/locale")
for index, lang in enumerate(("es", "it")):
    folder = root / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "django.po").exists():
        with (folder / "django.po").open("rb") as f:
            catalog = read_po(f, locale=lang)
    else:
        catalog = Catalog(locale=lang, project="funnelpact-web")
    for msgid, pair in T.items():
        catalog.add(msgid, pair[index])
    with (folder / "django.po").open("wb") as f:
        write_po(f, catalog, width=100)
    with (folder / "django.mo").open("wb") as f:
        write_mo(f, catalog)
print(len(T))
