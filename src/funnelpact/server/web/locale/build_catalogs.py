# Writes the web app's es/it catalogs (django.po + .mo) from the table below: uv run python src/funnelpact/server/web/locale/build_catalogs.py
from pathlib import Path
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
T = {
"Dashboard": ("Panel", "Cruscotto"), "My leads": ("Mis leads", "I miei lead"), "Leads": ("Leads", "Lead"),
"Planner": ("Planificador", "Pianificatore"), "Agreement": ("Acuerdo", "Accordo"), "Reports": ("Informes", "Report"),
"Imports": ("Importaciones", "Importazioni"), "Settings": ("Ajustes", "Impostazioni"), "Sign out": ("Salir", "Esci"),
"Sign in": ("Entrar", "Accedi"), "Language": ("Idioma", "Lingua"), "Skip to content": ("Ir al contenido", "Vai al contenuto"),
"Menu": ("Menú", "Menu"), "Main": ("Principal", "Principale"), "Change": ("Cambiar", "Cambia"),
"User name": ("Usuario", "Nome utente"), "Password": ("Contraseña", "Password"),
"The Sales & Marketing SLA, live.": ("El SLA de Marketing y Ventas, en vivo.", "Lo SLA Marketing e Vendite, dal vivo."),
"Wrong user name or password.": ("Usuario o contraseña incorrectos.", "Nome utente o password errati."),
"Too many failed attempts. Try again in 15 minutes.": ("Demasiados intentos fallidos. Vuelve a intentarlo en 15 minutos.", "Troppi tentativi falliti. Riprova tra 15 minuti."),
"Filters": ("Filtros", "Filtri"), "Period": ("Periodo", "Periodo"), "This week": ("Esta semana", "Questa settimana"),
"This month": ("Este mes", "Questo mese"), "This quarter": ("Este trimestre", "Questo trimestre"), "Stream": ("Línea", "Linea"),
"Source": ("Origen", "Fonte"), "Team": ("Equipo", "Team"), "All": ("Todos", "Tutti"), "Apply": ("Aplicar", "Applica"),
"Key figures": ("Cifras clave", "Cifre chiave"), "MQLs this period": ("MQL del periodo", "MQL del periodo"), "target": ("objetivo", "obiettivo"),
"Behind plan": ("Por debajo del plan", "Sotto il piano"), "Ahead of plan": ("Por encima del plan", "Sopra il piano"), "On track": ("En línea", "In linea"),
"First touch within SLA": ("Primer contacto dentro del SLA", "Primo contatto entro lo SLA"), "met": ("cumplidos", "rispettati"), "breached": ("incumplidos", "violati"),
"MQLs accepted": ("MQL aceptados", "MQL accettati"), "previous period": ("periodo anterior", "periodo precedente"),
"Leads at risk now": ("Leads en riesgo ahora", "Lead a rischio ora"), "at risk or breached, unresolved": ("en riesgo o incumplidos, sin resolver", "a rischio o violati, non risolti"),
"MQL pacing against target": ("Ritmo de MQL frente al objetivo", "Ritmo degli MQL rispetto all'obiettivo"),
"Funnel: actual against planned rates": ("Embudo: tasas reales frente a planificadas", "Funnel: tassi reali rispetto a quelli pianificati"),
"Speed to lead": ("Velocidad de respuesta", "Velocità di risposta"), "Compliance by rep": ("Cumplimiento por comercial", "Conformità per commerciale"),
"Compliance by source and campaign": ("Cumplimiento por origen y campaña", "Conformità per fonte e campagna"),
"Trend against the previous period": ("Tendencia frente al periodo anterior", "Tendenza rispetto al periodo precedente"),
"Leads at risk right now": ("Leads en riesgo ahora mismo", "Lead a rischio in questo momento"), "Stage": ("Etapa", "Fase"), "Entered": ("Entradas", "Ingressi"),
"Actual": ("Real", "Reale"), "Planned": ("Planificado", "Pianificato"), "Within SLA": ("Dentro del SLA", "Entro lo SLA"), "Campaign": ("Campaña", "Campagna"),
"Now": ("Ahora", "Ora"), "Before": ("Antes", "Prima"), "MQLs": ("MQL", "MQL"), "Accepted": ("Aceptado", "Accettato"), "Rejected": ("Rechazado", "Rifiutato"),
"Lead": ("Lead", "Lead"), "Owner": ("Responsable", "Responsabile"), "Obligation": ("Obligación", "Obbligo"), "Status": ("Estado", "Stato"), "Due": ("Vence", "Scadenza"),
"No lead at risk.": ("Ningún lead en riesgo.", "Nessun lead a rischio."), "Nothing yet.": ("Nada todavía.", "Ancora niente."),
"Target": ("Objetivo", "Obiettivo"), "Low": ("Mínimo", "Minimo"), "High": ("Máximo", "Massimo"),
"No agreement in force yet: targets and obligations appear once one is loaded.": ("Aún no hay acuerdo en vigor: los objetivos y las obligaciones aparecen al cargarlo.", "Nessun accordo in vigore: obiettivi e obblighi compaiono quando se ne carica uno."),
"Open MQLs waiting for a decision, the most urgent first.": ("MQL abiertos pendientes de decisión, primero los más urgentes.", "MQL aperti in attesa di decisione, prima i più urgenti."),
"Due in": ("Vence en", "Scade tra"), "Decision": ("Decisión", "Decisione"), "Log a touch": ("Registrar un contacto", "Registra un contatto"),
"Accept": ("Aceptar", "Accetta"), "Reject": ("Rechazar", "Rifiuta"), "Reason…": ("Motivo…", "Motivo…"), "Rejection reason": ("Motivo de rechazo", "Motivo del rifiuto"),
"Touch type": ("Tipo de contacto", "Tipo di contatto"), "Call": ("Llamada", "Chiamata"), "E-mail": ("Correo", "E-mail"), "Meeting": ("Reunión", "Riunione"), "Log": ("Registrar", "Registra"),
"No open MQL: nothing is waiting for you.": ("Ningún MQL abierto: nada te espera.", "Nessun MQL aperto: niente ti aspetta."),
"Open": ("Abrir", "Apri"), "Touch logged": ("Contacto registrado", "Contatto registrato"), "Choose accept or reject.": ("Elige aceptar o rechazar.", "Scegli accetta o rifiuta."),
"Choose call, e-mail or meeting.": ("Elige llamada, correo o reunión.", "Scegli chiamata, e-mail o riunione."),
"Created": ("Creado", "Creato"), "Identities": ("Identidades", "Identità"), "Subject": ("Asunto", "Oggetto"), "Obligations": ("Obligaciones", "Obblighi"), "Cycle": ("Ciclo", "Ciclo"),
"No obligation: this contact was never handed off.": ("Sin obligaciones: este contacto nunca se traspasó.", "Nessun obbligo: questo contatto non è mai stato passato."),
"Timeline": ("Historial", "Cronologia"), "Nothing happened yet.": ("Aún no ha pasado nada.", "Non è ancora successo nulla."),
"The reverse funnel: from the revenue goal to the volume every stage needs.": ("El embudo inverso: de la meta de ingresos al volumen que necesita cada etapa.", "Il funnel inverso: dall'obiettivo di ricavi al volume di ogni fase."),
"Inputs": ("Datos", "Dati"), "Revenue goal": ("Meta de ingresos", "Obiettivo di ricavi"), "Currency": ("Moneda", "Valuta"), "Average deal size": ("Venta media", "Vendita media"),
"Period start": ("Inicio del periodo", "Inizio del periodo"), "Working weeks": ("Semanas laborables", "Settimane lavorative"), "Tolerance": ("Tolerancia", "Tolleranza"),
"Conversion rate to the next stage": ("Tasa de conversión a la etapa siguiente", "Tasso di conversione alla fase successiva"), "Plan": ("Plan", "Piano"),
"Save as scenario": ("Guardar como escenario", "Salva come scenario"), "Scenario name": ("Nombre del escenario", "Nome dello scenario"), "Save": ("Guardar", "Salva"),
"Customers needed": ("Clientes necesarios", "Clienti necessari"), "goal": ("meta", "obiettivo"), "Needed": ("Necesarios", "Necessari"), "Per month": ("Al mes", "Al mese"), "Per week": ("A la semana", "A settimana"),
"Saved scenarios": ("Escenarios guardados", "Scenari salvati"), "No scenario saved yet.": ("Aún no hay escenarios guardados.", "Nessuno scenario salvato."), "Compare": ("Comparar", "Confronta"),
"next review": ("próxima revisión", "prossima revisione"), "No agreement in force yet.": ("Aún no hay acuerdo en vigor.", "Nessun accordo in vigore."), "Sign-off": ("Firmas", "Firme"),
"Signed": ("Firmado", "Firmato"), "Signed an earlier text": ("Firmó un texto anterior", "Ha firmato un testo precedente"), "Not signed": ("Sin firmar", "Non firmato"),
"Sign as": ("Firmar como", "Firma come"), "Sign the agreement": ("Firmar el acuerdo", "Firma l'accordo"), "Versions": ("Versiones", "Versioni"), "in force": ("en vigor", "in vigore"),
"document": ("documento", "documento"), "Signatures only": ("Solo firmas", "Solo firme"), "No change of content": ("Sin cambios de contenido", "Nessuna modifica del contenuto"),
"Document": ("Documento", "Documento"), "The agreement document": ("El documento del acuerdo", "Il documento dell'accordo"),
"Report": ("Informe", "Report"), "Download": ("Descargar", "Scarica"), "Every obligation with its status": ("Todas las obligaciones con su estado", "Tutti gli obblighi con il loro stato"),
"Rejected MQLs by reason, source and campaign": ("MQL rechazados por motivo, origen y campaña", "MQL rifiutati per motivo, fonte e campagna"),
"SLA compliance by rep, source and campaign (this month)": ("Cumplimiento del SLA por comercial, origen y campaña (este mes)", "Conformità SLA per commerciale, fonte e campagna (questo mese)"),
"PDF versions come with the reports module.": ("Las versiones PDF llegan con el módulo de informes.", "Le versioni PDF arrivano con il modulo dei report."),
"Files": ("Archivos", "File"), "Import": ("Importar", "Importa"), "Import refused": ("Importación rechazada", "Importazione rifiutata"), "Imported": ("Importado", "Importato"),
"Nothing was stored.": ("No se guardó nada.", "Non è stato salvato nulla."), "Choose at least one CSV file.": ("Elige al menos un archivo CSV.", "Scegli almeno un file CSV."),
"Users and roles": ("Usuarios y roles", "Utenti e ruoli"), "Teams": ("Equipos", "Team"), "API tokens": ("Tokens de API", "Token API"), "Webhook secrets": ("Secretos de webhook", "Segreti webhook"),
"Alert channels": ("Canales de alerta", "Canali di avviso"), "Send a test message": ("Enviar un mensaje de prueba", "Invia un messaggio di prova"), "Audit log": ("Registro de auditoría", "Registro di audit"),
"Role changed.": ("Rol cambiado.", "Ruolo cambiato."), "Token revoked.": ("Token revocado.", "Token revocato."), "Webhook secret saved.": ("Secreto guardado.", "Segreto salvato."),
"Test message sent.": ("Mensaje de prueba enviado.", "Messaggio di prova inviato."), "User": ("Usuario", "Utente"), "Rep": ("Comercial", "Commerciale"), "Role": ("Rol", "Ruolo"),
"Revoke": ("Revocar", "Revoca"), "Create token": ("Crear token", "Crea token"), "When": ("Cuándo", "Quando"), "Who": ("Quién", "Chi"), "What": ("Qué", "Cosa"),
}
root = Path("src/funnelpact/server/web/locale")
for index, lang in enumerate(("es", "it")):
    catalog = Catalog(locale=lang, project="funnelpact-web")
    for msgid, pair in T.items():
        catalog.add(msgid, pair[index])
    folder = root / lang / "LC_MESSAGES"; folder.mkdir(parents=True, exist_ok=True)
    with (folder / "django.po").open("wb") as f: write_po(f, catalog, width=100)
    with (folder / "django.mo").open("wb") as f: write_mo(f, catalog)
print(len(T))
