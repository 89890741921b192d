"""What each operation of the API is for, as the schema tells a person (Spanish, like the UI).

One table, keyed by operationId, read by the project's AutoSchema (`get_summary` and
`get_description`): the public prose stays in one place to review and translate, apart from the
code's own docstrings. `sessai/tests/test_api_docs.py` fails when an operation has no entry here
or an entry names no operation.
"""

from django.utils.translation import gettext_lazy as _

TAGS = [
    {
        "name": "auth",
        "description": _(
            "Cuenta propia: registro, inicio de sesión, tokens, contraseña, verificación, MFA y dispositivos."
        ),
    },
    {"name": "profile", "description": _("Perfil y preferencias del usuario que llama.")},
    {
        "name": "patients",
        "description": _(
            "Pacientes de la consulta: ficha, búsqueda, historial clínico, evaluaciones, informes y exportación."
        ),
    },
    {
        "name": "sessions",
        "description": _("Citas y registros clínicos: agenda, estados, firma, adendas, evaluaciones y adjuntos."),
    },
    {"name": "blocked-times", "description": _("Bloqueos de agenda (vacaciones, reuniones, horas no disponibles).")},
    {"name": "availability", "description": _("Horas libres de un terapeuta para agendar.")},
    {"name": "therapists", "description": _("Terapeutas de la consulta como recursos del calendario.")},
    {"name": "calendar", "description": _("Enlace iCal privado para suscribirse a la agenda desde otro calendario.")},
    {"name": "dashboard", "description": _("Cifras de la página de inicio.")},
    {
        "name": "outcomes",
        "description": _(
            "Resultados de la consulta: pacientes medidos y su cambio confiable (Jacobson–Truax), en total y por terapeuta."
        ),
    },
    {
        "name": "risk-alerts",
        "description": _(
            "Alertas de riesgo de los cuestionarios que los pacientes responden por enlace (PHQ-9, pregunta 9)."
        ),
    },
    {
        "name": "ai",
        "description": _(
            "Inteligencia artificial: informes de progreso y estructuración de notas (consumen créditos)."
        ),
    },
    {"name": "reports", "description": _("Informes guardados y su descarga en PDF.")},
    {"name": "attachments", "description": _("Descarga de adjuntos mediante enlaces firmados de corta duración.")},
    {
        "name": "admin",
        "description": _(
            "Administración de la consulta: equipo, horarios, calendario, IA y créditos (solo administradores salvo lo indicado)."
        ),
    },
    {"name": "health", "description": _("Estado del servicio para balanceadores y monitoreo.")},
    {
        "name": "privacy",
        "description": _(
            "Derechos de los pacientes (Ley 21.719): solicitudes con plazo legal, su atención o rechazo (solo administradores)."
        ),
    },
]

_OPERATIONS = {
    # auth
    "auth_register_create": (
        _("Registrar una consulta"),
        _(
            "Crea la cuenta, la consulta y su administrador, y envía el correo de verificación. Responde los tokens de la nueva sesión."
        ),
    ),
    "auth_login_create": (
        _("Iniciar sesión"),
        _(
            "Con correo y contraseña. Si la cuenta tiene MFA, responde un desafío que se completa en `/api/auth/mfa/verify`."
        ),
    ),
    "auth_mfa_verify_create": (
        _("Completar el inicio de sesión con MFA"),
        _("Código TOTP o de recuperación para el desafío recibido al iniciar sesión."),
    ),
    "auth_refresh_create": (
        _("Renovar el token de acceso"),
        _("El token de renovación rota: el anterior deja de servir."),
    ),
    "auth_logout_create": (_("Cerrar sesión"), _("Revoca la sesión del dispositivo que llama.")),
    "auth_forgot_password_create": (
        _("Pedir el enlace para restablecer la contraseña"),
        _("Responde lo mismo exista o no la cuenta."),
    ),
    "auth_reset_password_create": (
        _("Restablecer la contraseña"),
        _("Con el enlace de un solo uso recibido por correo. Cierra las demás sesiones."),
    ),
    "auth_verify_email_create": (_("Verificar el correo"), _("Con la clave recibida por correo.")),
    "auth_resend_verification_create": (
        _("Reenviar el correo de verificación"),
        _("Responde lo mismo exista o no la cuenta."),
    ),
    "auth_accept_invitation_create": (
        _("Aceptar una invitación al equipo"),
        _("Con la clave de la invitación y una contraseña nueva. Responde los tokens de la nueva sesión."),
    ),
    "auth_change_password_create": (
        _("Cambiar la contraseña"),
        _("Requiere la contraseña actual. Cierra las demás sesiones."),
    ),
    "auth_profile_retrieve": (_("Ver el perfil propio"), _("Usuario, rol, consulta y preferencias de quien llama.")),
    "auth_profile_update": (_("Actualizar el perfil propio"), _("El nombre visible cambia solo si se envía `name`.")),
    "auth_profile_partial_update": (_("Actualizar parte del perfil propio"), _("Solo los campos enviados.")),
    "auth_profile_photo_create": (
        _("Subir la foto de perfil"),
        _("JPEG, PNG o WebP; se comprueba el contenido del archivo, no solo su nombre."),
    ),
    "auth_sessions_list": (
        _("Listar mis dispositivos"),
        _("Las sesiones abiertas de quien llama, con el dispositivo y la última actividad."),
    ),
    "auth_sessions_destroy": (_("Cerrar la sesión de un dispositivo"), _("Revoca una de las sesiones propias.")),
    "auth_mfa_retrieve": (
        _("Estado de MFA"),
        _("Si la cuenta tiene TOTP activo y cuántos códigos de recuperación le quedan."),
    ),
    "auth_mfa_totp_setup_create": (
        _("Preparar TOTP"),
        _("Genera el secreto y la URL otpauth para la aplicación autenticadora."),
    ),
    "auth_mfa_totp_confirm_create": (
        _("Activar TOTP"),
        _("Con un código de la aplicación autenticadora. Responde los códigos de recuperación."),
    ),
    "auth_mfa_totp_disable_create": (_("Desactivar TOTP"), _("Requiere un código vigente.")),
    "auth_mfa_recovery_codes_create": (
        _("Regenerar los códigos de recuperación"),
        _("Los anteriores dejan de servir."),
    ),
    # profile (the UI's settings page)
    "profile_retrieve": (
        _("Ver la configuración del perfil"),
        _("Datos y preferencias que muestra la página de configuración."),
    ),
    "profile_update": (
        _("Guardar la configuración del perfil"),
        _("Datos personales y preferencias (idioma, notificaciones)."),
    ),
    "profile_partial_update": (_("Guardar parte de la configuración del perfil"), _("Solo los campos enviados.")),
    # patients
    "patients_list": (
        _("Listar pacientes"),
        _(
            "Paginado, con búsqueda por nombre, RUT o correo, filtros y orden. Un terapeuta ve los pacientes de su equipo de atención."
        ),
    ),
    "patients_create": (
        _("Crear un paciente"),
        _("El RUT se valida con su dígito verificador y es único en la consulta."),
    ),
    "patients_retrieve": (_("Ver un paciente"), _("La ficha completa. Los asistentes no reciben datos clínicos.")),
    "patients_update": (_("Actualizar un paciente"), _("Reemplaza la ficha con los campos enviados.")),
    "patients_partial_update": (_("Actualizar parte de un paciente"), _("Solo los campos enviados.")),
    "patients_destroy": (
        _("Archivar un paciente"),
        _("Los pacientes no se borran: la ficha clínica se conserva y queda archivada."),
    ),
    "patients_search_list": (
        _("Buscar pacientes para un selector"),
        _("Hasta 20 coincidencias por nombre o RUT, con lo justo para elegir."),
    ),
    "patients_sessions_list": (
        _("Historial de sesiones de un paciente"),
        _("Los registros clínicos (sesiones completadas) por defecto; `status` para otros estados."),
    ),
    "patients_assessments_list": (
        _("Evaluaciones de un paciente"),
        _("La serie para los gráficos, de la más antigua a la más reciente; `type` filtra por instrumento."),
    ),
    "patients_reports_list": (
        _("Informes de un paciente"),
        _("Los informes guardados, del más reciente al más antiguo."),
    ),
    "patients_export_retrieve": (
        _("Exportar la ficha de un paciente"),
        _(
            "Todo lo que la consulta guarda del paciente: en JSON, en FHIR R4 (`?format=fhir`, para otro sistema clínico) o como copia legible en PDF (`?format=pdf`). Queda registrado en la auditoría."
        ),
    ),
    "patients_merge_create": (
        _("Fusionar una ficha duplicada"),
        _(
            "Mueve todo lo registrado en esta ficha (sesiones, evaluaciones, consentimientos, informes, solicitudes) a `targetId`, une los equipos tratantes y archiva esta ficha con `mergedAt`. Sirve para las reservas en línea marcadas con `duplicateOfId`: alguien escribió un RUT o correo que ya estaba en una ficha sin probar que era suyo. Responde la ficha de destino. Solo administradores."
        ),
    ),
    "patients_export_package_create": (
        _("Pedir el paquete completo de la ficha"),
        _(
            "Un ZIP con la ficha en FHIR R4, la copia en PDF, el registro de accesos y los archivos adjuntos, preparado en segundo plano (202). El enlace firmado, que vence en `EXPORT_PACKAGE_HOURS`, llega al correo del administrador que lo pidió. Solo administradores."
        ),
    ),
    # sessions
    "sessions_list": (
        _("Agenda entre dos fechas"),
        _("Citas y bloqueos entre `start` y `end` (hasta 100 días), filtrables por terapeuta, paciente y estado."),
    ),
    "sessions_create": (
        _("Agendar una cita"),
        _("Una cita, o con `recurrence` una serie. Responde 409 si el horario del terapeuta está ocupado."),
    ),
    "sessions_retrieve": (
        _("Ver una cita o registro clínico"),
        _("El contenido clínico solo para quienes atienden al paciente."),
    ),
    "sessions_update": (
        _("Actualizar una cita o registro clínico"),
        _("Un registro firmado ya no se edita: se agregan adendas."),
    ),
    "sessions_partial_update": (
        _("Actualizar parte de una cita o registro clínico"),
        _("Solo los campos enviados. Un registro firmado ya no se edita."),
    ),
    "sessions_destroy": (
        _("Cancelar una cita"),
        _("Las citas se cancelan, no se borran: los registros clínicos se conservan."),
    ),
    "sessions_cancel_create": (_("Cancelar una cita con motivo"), _("Libera el horario y guarda el motivo.")),
    "sessions_complete_create": (_("Marcar una cita como realizada"), _("Convierte la cita en registro clínico.")),
    "sessions_no_show_create": (_("Marcar inasistencia"), _("El paciente no se presentó.")),
    "sessions_approve_create": (
        _("Aprobar una solicitud en línea"),
        _(
            "Confirma una hora que el paciente pidió en la página de reservas (`awaitingApproval`) y le avisa por correo. Para rechazarla, cancélala."
        ),
    ),
    "sessions_sign_create": (
        _("Firmar un registro clínico"),
        _("Desde la firma el contenido queda cerrado; las correcciones van en adendas."),
    ),
    "sessions_addenda_create": (
        _("Agregar una adenda"),
        _("Corrección o complemento fechado y firmado de un registro firmado."),
    ),
    "sessions_assessments_create": (
        _("Registrar una evaluación"),
        _("Puntaje de un instrumento (PHQ-9, GAD-7, ...) en la sesión."),
    ),
    "sessions_assessments_destroy": (_("Eliminar una evaluación"), _("Solo mientras el registro no esté firmado.")),
    "sessions_attachments_list": (
        _("Adjuntos de una sesión"),
        _("Cada uno con un enlace de descarga de corta duración."),
    ),
    "sessions_attachments_create": (
        _("Adjuntar un archivo"),
        _("PDF o imagen; se comprueba el contenido del archivo."),
    ),
    "sessions_attachments_destroy": (_("Quitar un adjunto"), _("Solo mientras el registro no esté firmado.")),
    "attachments_download_retrieve": (
        _("Descargar un adjunto"),
        _("El enlace firmado y de corta duración es la credencial."),
    ),
    # calendar
    "blocked_times_list": (
        _("Listar bloqueos de agenda"),
        _("Los terapeutas ven los propios; administradores y asistentes, los de todos."),
    ),
    "blocked_times_create": (
        _("Bloquear un horario"),
        _("Administradores y asistentes para cualquiera; terapeutas para sí mismos."),
    ),
    "blocked_times_retrieve": (_("Ver un bloqueo de agenda"), _("Con el terapeuta y el rango.")),
    "blocked_times_destroy": (_("Quitar un bloqueo de agenda"), _("El horario vuelve a quedar disponible.")),
    "availability_retrieve": (
        _("Horas libres de un terapeuta"),
        _("Horas de inicio libres en un día para una duración, según su horario, citas y bloqueos."),
    ),
    "therapists_list": (_("Terapeutas del calendario"), _("Los recursos del calendario, con su color.")),
    "calendar_feed_retrieve": (_("Ver mi enlace iCal"), _("El enlace privado de la agenda propia, si existe.")),
    "calendar_feed_create": (
        _("Crear o rotar mi enlace iCal"),
        _(
            "El enlace anterior deja de funcionar. Con `expiresInDays`, el nuevo vence; el estado muestra su último uso."
        ),
    ),
    "calendar_feed_destroy": (_("Revocar mi enlace iCal"), _("El enlace deja de funcionar.")),
    "calendar_.ics_retrieve": (
        _("Agenda en formato iCal"),
        _("Para aplicaciones de calendario; la clave del enlace es la credencial. Sin contenido clínico."),
    ),
    "dashboard_retrieve": (
        _("Resumen de la página de inicio"),
        _("Cifras del día y actividad reciente; un terapeuta ve las propias."),
    ),
    # AI and reports
    "ai_reports_generate_create": (
        _("Generar un informe de progreso"),
        _(
            "Con `Accept: text/event-stream` el texto llega a medida que se escribe. Consume créditos; los datos del paciente se anonimizan antes de enviarse."
        ),
    ),
    "ai_documentation_process_create": (
        _("Estructurar notas de sesión"),
        _('Notas libres a Markdown, o con `mode: "session"` a las cuatro secciones del registro. Consume créditos.'),
    ),
    "reports_retrieve": (_("Ver un informe"), _("Un informe guardado de un paciente propio.")),
    "reports_pdf_retrieve": (_("Descargar un informe en PDF"), _("Con el membrete de la consulta.")),
    "reports_download_create": (_("Convertir un texto a PDF"), _("Markdown a PDF con el membrete de la consulta.")),
    # admin
    "admin_team_list": (_("Listar el equipo"), _("Miembros de la consulta con su rol, estado y horario semanal.")),
    "admin_team_create": (_("Invitar a un miembro"), _("Envía la invitación por correo.")),
    "admin_team_retrieve": (_("Ver un miembro del equipo"), _("El identificador es el del usuario.")),
    "admin_team_partial_update": (_("Actualizar un miembro del equipo"), _("Rol, estado o datos del miembro.")),
    "admin_team_destroy": (
        _("Desactivar un miembro del equipo"),
        _("Los miembros no se borran: sus registros conservan el autor."),
    ),
    "admin_team_resend_invitation_create": (_("Reenviar una invitación"), _("La invitación anterior deja de servir.")),
    "admin_team_schedule_retrieve": (
        _("Ver el horario semanal de un miembro"),
        _("Todos los miembros pueden leerlo (el calendario lo usa)."),
    ),
    "admin_team_schedule_update": (
        _("Guardar el horario semanal de un miembro"),
        _("Administradores para cualquiera; terapeutas el propio."),
    ),
    "admin_team_schedule_partial_update": (_("Guardar algunos días del horario semanal"), _("Solo los días enviados.")),
    "admin_users_stats_retrieve": (_("Estadísticas del equipo"), _("Miembros por rol y estado.")),
    "admin_calendar_settings_retrieve": (
        _("Ver la configuración del calendario"),
        _("Todos los miembros pueden leerla (el calendario la usa)."),
    ),
    "admin_calendar_settings_update": (
        _("Guardar la configuración del calendario"),
        _("Horario de la consulta, duración por defecto y recordatorios."),
    ),
    "admin_booking_settings_retrieve": (
        _("Ver la reserva en línea"),
        _(
            "Si está activa, el enlace público, qué terapeutas, modalidades y duraciones se ofrecen, anticipación, horizonte, plazo de cancelación, aprobación, lista de espera y la marca que ven los pacientes."
        ),
    ),
    "admin_booking_settings_update": (
        _("Configurar la reserva en línea"),
        _("Solo administradores. Activarla exige una dirección pública (`slug`) libre."),
    ),
    "admin_booking_settings_partial_update": (
        _("Configurar parte de la reserva en línea"),
        _("Solo los campos enviados."),
    ),
    "admin_booking_logo_create": (
        _("Subir el logo de la consulta"),
        _("PNG, JPEG o WebP; se muestra en las páginas de los pacientes."),
    ),
    "patients_measurement_plan_retrieve": (
        _("Plan de medición del paciente"),
        _(
            "Qué cuestionarios (PHQ-9, GAD-7) recibe el paciente por enlace antes de sus sesiones y con qué frecuencia; `active: false` si no tiene plan."
        ),
    ),
    "patients_measurement_plan_update": (
        _("Definir el plan de medición"),
        _(
            "Antes de cada sesión (`every_session`), cada N sesiones (`every_n` con `everySessions`) o una vez (`once`). El enlace sale QUESTIONNAIRE_HOURS_BEFORE horas antes de la sesión."
        ),
    ),
    "patients_outcomes_retrieve": (
        _("Cambio del paciente"),
        _(
            "Por cuestionario (PHQ-9, GAD-7): primera y última puntuación, la serie para graficar, el índice de cambio confiable de Jacobson–Truax y su clase (recuperado, mejoró, sin cambio, empeoró; null con una sola medición)."
        ),
    ),
    "outcomes_retrieve": (
        _("Resultados de la consulta"),
        _(
            "Pacientes con dos o más mediciones cuya última cae en el período (por defecto los últimos 90 días), por clase de cambio, en total y por terapeuta tratante. Sin nombres de pacientes; sin proporciones con menos de 5 pacientes (solo administradores)."
        ),
    ),
    "risk_alerts_list": (
        _("Alertas de riesgo"),
        _(
            "Respuestas de riesgo en cuestionarios (PHQ-9, pregunta 9, sobre 0), las más nuevas primero: sin revisar (`status=open`, por defecto) o revisadas. El terapeuta ve las de sus pacientes; el administrador, todas."
        ),
    ),
    "risk_alerts_acknowledge_create": (
        _("Marcar una alerta como revisada"),
        _("Registra quién la revisó y cuándo (auditado); 409 si ya estaba revisada."),
    ),
    "admin_waitlist_list": (
        _("Lista de espera"),
        _(
            "Personas esperando una hora, la más antigua primero. Cuando se libera una hora que cabe en su ventana, se avisa a las primeras."
        ),
    ),
    "admin_waitlist_destroy": (
        _("Sacar a alguien de la lista de espera"),
        _("Deja de recibir avisos; el registro se conserva como `left`."),
    ),
    "privacy_requests_list": (
        _("Solicitudes de derechos"),
        _(
            "Acceso, rectificación, supresión, oposición, portabilidad y bloqueo (Ley 21.719), por fecha de vencimiento; filtrables por estado y paciente. Solo administradores."
        ),
    ),
    "privacy_requests_create": (
        _("Registrar una solicitud de derechos"),
        _(
            "Vence a los PRIVACY_RESPONSE_DAYS días de recibida. Una de bloqueo bloquea el tratamiento del paciente hasta cerrarse."
        ),
    ),
    "privacy_requests_retrieve": (_("Ver una solicitud de derechos"), _("Con su plazo, estado y resolución.")),
    "privacy_requests_partial_update": (
        _("Corregir el canal de una solicitud"),
        _("El resto se cambia atendiéndola, prorrogándola o rechazándola."),
    ),
    "privacy_requests_extend_create": (
        _("Prorrogar una solicitud"),
        _("Una sola vez, por el mismo plazo, con motivo."),
    ),
    "privacy_requests_fulfill_create": (
        _("Atender una solicitud"),
        _(
            "Hace lo que el tipo significa; responde 409 con el motivo legal cuando la ley lo impide (supresión dentro del plazo de conservación de la ficha)."
        ),
    ),
    "privacy_requests_refuse_create": (_("Rechazar una solicitud"), _("La cierra sin atenderla, con motivo.")),
    "patients_access_log_list": (
        _("Registro de accesos del paciente"),
        _(
            "Quién leyó o cambió la ficha (el paciente, sus sesiones, evaluaciones, adjuntos, informes, grabaciones y consentimientos), cuándo, con qué rol y desde qué IP; lo más reciente primero. Solo administradores (Ley 20.584, Decreto 41)."
        ),
    ),
    "patients_consents_list": (
        _("Consentimientos del paciente"),
        _("Enviados, firmados (con nombre, fecha e IP de la firma) y revocados."),
    ),
    "patients_consents_create": (
        _("Enviar un consentimiento para firmar"),
        _(
            "Crea el enlace (respuesta `link`) y lo envía al correo del paciente si tiene uno. El de grabación, firmado, es el que exige el escriba de IA."
        ),
    ),
    "admin_calendar_settings_partial_update": (
        _("Guardar parte de la configuración del calendario"),
        _("Solo los campos enviados."),
    ),
    "admin_ai_settings_retrieve": (
        _("Ver la configuración de IA"),
        _(
            "Nivel (rápido, equilibrado o avanzado), transcripción de audio, días que se conserva el audio y formato de la nota sugerida."
        ),
    ),
    "admin_ai_settings_create": (
        _("Cambiar la configuración de IA"),
        _(
            "Solo los campos enviados. Activar la transcripción permite enviar el audio de las sesiones al proveedor de IA."
        ),
    ),
    "admin_billing_summary_retrieve": (_("Resumen de créditos"), _("Saldo, plan y consumo del período.")),
    "admin_billing_history_retrieve": (
        _("Historial de créditos"),
        _("Consumos por defecto; `kind` para asignaciones o todo. Paginado."),
    ),
    "admin_billing_history.csv_retrieve": (_("Exportar el historial de créditos"), _("Todo el historial en CSV.")),
    "admin_billing_daily_list": (
        _("Consumo diario de créditos"),
        _("Créditos por día en los últimos `days` días, con los días sin consumo en cero."),
    ),
    # recorded sessions
    "patients_recording_consent_retrieve": (
        _("Ver el consentimiento de grabación"),
        _(
            "El último consentimiento del paciente para grabar sus sesiones: vigente o retirado, quién lo registró y cuándo. Sin ninguno, `active: false` y el resto null."
        ),
    ),
    "patients_recording_consent_create": (
        _("Registrar el consentimiento de grabación"),
        _("Con la versión del texto que el paciente aceptó. Sin consentimiento vigente no se aceptan grabaciones."),
    ),
    "patients_recording_consent_destroy": (
        _("Retirar el consentimiento de grabación"),
        _(
            "Las grabaciones siguientes se rechazan y el audio ya en cola no se envía; el registro del consentimiento se conserva. Responde el consentimiento como queda; sin uno vigente no cambia nada (idempotente)."
        ),
    ),
    "sessions_recordings_list": (_("Grabaciones de una sesión"), _("Con su estado, progreso y duración medida.")),
    "sessions_recordings_create": (
        _("Subir la grabación de una sesión"),
        _(
            "Multipart `audio`: WebM/Opus, Ogg, MP3, M4A o WAV. Se mide la duración, se reservan los créditos por minuto y se encola la transcripción."
        ),
    ),
    "sessions_recordings_retrieve": (
        _("Estado de una grabación"),
        _("Para consultar periódicamente: `status` y `progress` hasta `done` o `failed`."),
    ),
    "sessions_recordings_retry_create": (
        _("Reintentar una grabación fallida"),
        _("Reserva los créditos de nuevo y vuelve a encolar la transcripción."),
    ),
    "sessions_recording_uploads_create": (
        _("Iniciar una subida reanudable"),
        _("Con el tamaño total; responde el identificador y el `offset` desde donde enviar."),
    ),
    "sessions_recording_uploads_retrieve": (
        _("Ver cuánto se ha recibido"),
        _("El `offset` del servidor: tras un corte, se reanuda desde ahí."),
    ),
    "sessions_recording_uploads_update": (
        _("Enviar un fragmento"),
        _(
            "Los bytes siguientes en el cuerpo (`application/octet-stream`) con `?offset=` igual a lo recibido; 409 con el offset real si no coincide."
        ),
    ),
    "sessions_recording_uploads_complete_create": (
        _("Terminar una subida reanudable"),
        _(
            "Cuando llegó todo: se mide, se reservan los créditos y se encola como una subida directa (201). Repetirla, o dos a la vez, devuelve la misma grabación (200)."
        ),
    ),
    "sessions_recording_uploads_destroy": (
        _("Cancelar una subida reanudable"),
        _(
            "Borra los bytes recibidos (204). Las subidas sin terminar vencen a las 24 horas y un trabajo periódico borra su audio; 409 si ya se completó."
        ),
    ),
    "sessions_tus_uploads_create": (
        _("Iniciar una subida tus"),
        _(
            "La misma subida reanudable con el protocolo tus 1.0 (creation, termination, expiration), para tus-js-client, Uppy o tuspy: `Upload-Length` en una cabecera, sin cuerpo; responde 201 con `Location`. HEAD en esa dirección dice el `Upload-Offset`; OPTIONS, lo que habla el servidor. Al terminar, la grabación se crea con `POST .../recording-uploads/{id}/complete`."
        ),
    ),
    "sessions_tus_uploads_partial_update": (
        _("Enviar un fragmento tus"),
        _(
            "Los bytes siguientes (`Content-Type: application/offset+octet-stream`) con `Upload-Offset` igual a lo recibido: 204 con el nuevo `Upload-Offset`; 409 si no coincide, 415 con otro tipo de contenido, 412 sin `Tus-Resumable: 1.0.0`."
        ),
    ),
    "sessions_tus_uploads_destroy": (
        _("Cancelar una subida tus"),
        _("Terminación tus: borra los bytes recibidos (204); 409 si ya se completó."),
    ),
    "sessions_recording_availability_retrieve": (
        _("¿Se puede grabar esta sesión?"),
        _(
            "`available` y, si no, el `code` y el `message` que daría la subida: falta el consentimiento, el paciente se opone o está bloqueado, la sesión está firmada, la transcripción tiene correcciones, la consulta desactivó la transcripción o no hay servicio de IA. Para terapeutas y administradores."
        ),
    ),
    "sessions_transcript_retrieve": (
        _("Ver la transcripción"),
        _(
            "Segmentos con hablante y tiempos; con el análisis, la nota sugerida, el sentimiento, los temas y las menciones de riesgo. Cada lectura queda en la auditoría."
        ),
    ),
    "sessions_transcript_apply_note_create": (
        _("Usar la nota sugerida"),
        _("Copia la nota sugerida al registro de la sesión, saneada. Nunca se hace sola."),
    ),
    "sessions_patient_summary_retrieve": (
        _("Resumen de la sesión para el paciente"),
        _(
            "El resumen que se escribe para el paciente tras la sesión, su estado (`draft`, `approved`, `sent`) y si lo abrió; `id: null` si aún no hay. Cada lectura queda auditada."
        ),
    ),
    "sessions_patient_summary_update": (
        _("Escribir o editar el resumen para el paciente"),
        _(
            "Texto plano (las etiquetas HTML se quitan). Editar un resumen aprobado lo devuelve a borrador; 409 si ya se envió, si la consulta no activó los resúmenes o si la sesión no está realizada."
        ),
    ),
    "sessions_patient_summary_draft_create": (
        _("Borrador del resumen con IA"),
        _(
            "La IA redacta el resumen a partir del registro de la sesión (anonimizado; se cobra en créditos) y reemplaza el borrador. 409 si el paciente se opuso al procesamiento con IA: no se envía nada ni se cobra."
        ),
    ),
    "sessions_patient_summary_approve_create": (
        _("Aprobar el resumen para el paciente"),
        _("Nada llega al paciente sin esta aprobación; lo aprobado es exactamente lo que se envía."),
    ),
    "sessions_patient_summary_send_create": (
        _("Enviar el resumen al paciente"),
        _(
            "Envía por correo un enlace al resumen aprobado (el correo no lleva texto clínico). 409 si no está aprobado, ya se envió, el paciente pidió no recibir resúmenes, tiene el tratamiento bloqueado o no tiene correo."
        ),
    ),
    "sessions_transcript_segments_partial_update": (
        _("Corregir un segmento"),
        _("Texto o hablante de un segmento; de solo lectura desde la firma de la sesión."),
    ),
    # health
    "health_retrieve": (_("Proceso vivo"), _("Responde si el proceso atiende; no consulta nada más.")),
    "health_ready_retrieve": (
        _("Servicio listo"),
        _("Base de datos, caché y almacenamiento responden; 503 con las partes que fallan."),
    ),
}


def operation_text(operation_id: str) -> tuple[str, str] | None:
    """(summary, description) of an operation, in the active language."""
    entry = _OPERATIONS.get(operation_id)
    return (str(entry[0]), str(entry[1])) if entry else None


def documented_operations() -> set[str]:
    return set(_OPERATIONS)
