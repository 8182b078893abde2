{{/*
Chart name, truncated to 63 characters (a DNS label).
*/}}
{{- define "satupintu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name alone when it already contains the chart name.
*/}}
{{- define "satupintu.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of one role's resources: (dict "root" $ "component" "web") -> <fullname>-web.
*/}}
{{- define "satupintu.componentName" -}}
{{- printf "%s-%s" (include "satupintu.fullname" .root | trunc 52 | trimSuffix "-") .component }}
{{- end }}

{{- define "satupintu.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "satupintu.labels" -}}
helm.sh/chart: {{ include "satupintu.chart" . }}
{{ include "satupintu.selectorLabels" . }}
app.kubernetes.io/version: {{ include "satupintu.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: satupintu
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "satupintu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "satupintu.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels and selector labels of one role: (dict "root" $ "component" "web").
*/}}
{{- define "satupintu.componentLabels" -}}
{{ include "satupintu.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "satupintu.componentSelectorLabels" -}}
{{ include "satupintu.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The image: repository@digest when a digest is pinned, else repository:tag (tag defaults to appVersion).
*/}}
{{- define "satupintu.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion | toString }}
{{- end }}

{{- define "satupintu.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "satupintu.imageTag" .) }}
{{- end }}
{{- end }}

{{- define "satupintu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "satupintu.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The migration Job runs as a pre-install hook, before the chart's own ServiceAccount exists.
*/}}
{{- define "satupintu.migrationServiceAccountName" -}}
{{- if .Values.migrations.serviceAccountName }}
{{- .Values.migrations.serviceAccountName }}
{{- else if not .Values.serviceAccount.create }}
{{- default "default" .Values.serviceAccount.name }}
{{- else }}
{{- print "default" }}
{{- end }}
{{- end }}

{{/*
Secrets.
  secretName           what web/worker/scheduler read: existingSecret or the chart's Secret.
  hookSecretName       the chart's short-lived Secret for the migration Job (chart-created mode).
  jobAppSecretName     where the Job finds SATUPINTU_DATABASE_URL and SATUPINTU_SECRET_KEY.
  migrationSecretName  where the Job finds SATUPINTU_MIGRATION_DATABASE_URL and SATUPINTU_DB_APP_PASSWORD.
*/}}
{{- define "satupintu.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "satupintu.fullname" . }}
{{- end }}
{{- end }}

{{- define "satupintu.hookSecretName" -}}
{{- include "satupintu.componentName" (dict "root" . "component" "migrate") }}
{{- end }}

{{- define "satupintu.jobAppSecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "satupintu.hookSecretName" . }}
{{- end }}
{{- end }}

{{- define "satupintu.migrationSecretName" -}}
{{- if .Values.migrations.existingSecret }}
{{- .Values.migrations.existingSecret }}
{{- else if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "satupintu.hookSecretName" . }}
{{- end }}
{{- end }}

{{/*
Checks shared by the chart-created Secrets (existingSecret empty): every value the
app needs is given, and the secret key is one the app accepts in production.
*/}}
{{- define "satupintu.validateSecrets" -}}
{{- $_ := required "SATUPINTU_DATABASE_URL is needed: set existingSecret (see values.yaml for its keys), or secrets.databaseUrl (the app role's postgresql+asyncpg://... URL)" .Values.secrets.databaseUrl }}
{{- $_ = required "SATUPINTU_BROKER_URL is needed: set existingSecret, or secrets.brokerUrl (redis://... or amqp://...)" .Values.secrets.brokerUrl }}
{{- $key := required "SATUPINTU_SECRET_KEY is needed: set existingSecret, or secrets.secretKey (at least 32 characters)" .Values.secrets.secretKey }}
{{- if lt (len $key) 32 }}
{{- fail "secrets.secretKey must be at least 32 characters long (SATUPINTU_SECRET_KEY)" }}
{{- end }}
{{- end }}

{{/*
SATUPINTU_TENANT_HOSTS as "host=slug,host2=slug2", from a map or a ready-made string.
*/}}
{{- define "satupintu.tenantHosts" -}}
{{- $hosts := .Values.config.tenantHosts }}
{{- if kindIs "map" $hosts }}
{{- $pairs := list }}
{{- range $host, $slug := $hosts }}
{{- $pairs = append $pairs (printf "%s=%s" $host $slug) }}
{{- end }}
{{- join "," $pairs }}
{{- else if $hosts }}
{{- $hosts | toString }}
{{- end }}
{{- end }}

{{/*
Host names of config.tenantHosts, one per line.
*/}}
{{- define "satupintu.tenantHostNames" -}}
{{- $hosts := .Values.config.tenantHosts }}
{{- if kindIs "map" $hosts }}
{{- range $host, $slug := $hosts }}
{{ $host }}
{{- end }}
{{- else if $hosts }}
{{- range (splitList "," ($hosts | toString)) }}
{{- $host := (splitList "=" .) | first | trim }}
{{- if $host }}
{{ $host }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Environment of every app container: the secrets, one key at a time (so a shared
existing Secret's other keys, such as the owner's URL, never reach these pods).
The non-secret settings come from the ConfigMap through envFrom.
*/}}
{{- define "satupintu.secretEnv" -}}
- name: SATUPINTU_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_DATABASE_URL
- name: SATUPINTU_BROKER_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_BROKER_URL
- name: SATUPINTU_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_SECRET_KEY
- name: SATUPINTU_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_REDIS_URL
      optional: true
- name: SATUPINTU_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_S3_ACCESS_KEY_ID
      optional: true
- name: SATUPINTU_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_S3_SECRET_ACCESS_KEY
      optional: true
- name: SATUPINTU_SMTP_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_SMTP_USER
      optional: true
- name: SATUPINTU_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.secretName" . }}
      key: SATUPINTU_SMTP_PASSWORD
      optional: true
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "satupintu.envFrom" -}}
- configMapRef:
    name: {{ include "satupintu.fullname" . }}
{{- with .Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Pod annotations: the checksums roll the pods when the ConfigMap or the chart's Secret changes.
*/}}
{{- define "satupintu.checksumAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/*
SATUPINTU_STORAGE_URL: required, because a folder inside one pod is no place for documents
that every web and worker pod must read; a file:// URL needs a volume they all mount.
*/}}
{{- define "satupintu.storageUrl" -}}
{{- $url := required "storage.url is needed: s3://bucket/prefix (S3-compatible object storage), or file:///data/uploads with storage.existingClaim (a ReadWriteMany volume every app pod mounts)" .Values.storage.url }}
{{- if and (hasPrefix "file://" $url) (not .Values.storage.existingClaim) }}
{{- fail "storage.url is a folder (file://...): set storage.existingClaim to a ReadWriteMany PersistentVolumeClaim that every app pod mounts there, or use s3://bucket/prefix" }}
{{- end }}
{{- $url }}
{{- end }}

{{/*
Writable directories under a read-only root filesystem.
*/}}
{{- define "satupintu.volumes" -}}
- name: tmp
  {{- if .Values.tmpDir.sizeLimit }}
  emptyDir:
    sizeLimit: {{ .Values.tmpDir.sizeLimit }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: var
  {{- if .Values.varDir.sizeLimit }}
  emptyDir:
    sizeLimit: {{ .Values.varDir.sizeLimit }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- if and .Values.storage.existingClaim (hasPrefix "file://" .Values.storage.url) }}
- name: uploads
  persistentVolumeClaim:
    claimName: {{ .Values.storage.existingClaim }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "satupintu.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: var
  mountPath: /app/var
{{- if and .Values.storage.existingClaim (hasPrefix "file://" .Values.storage.url) }}
- name: uploads
  mountPath: {{ trimPrefix "file://" .Values.storage.url }}
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Topology spread constraints of one role: (dict "root" $ "component" "web" "constraints" list).
A constraint without a labelSelector gets the role's selector labels.
*/}}
{{- define "satupintu.topologySpreadConstraints" -}}
{{- $selector := include "satupintu.componentSelectorLabels" (dict "root" .root "component" .component) | fromYaml }}
{{- $constraints := list }}
{{- range .constraints }}
{{- $constraint := deepCopy . }}
{{- if not (hasKey $constraint "labelSelector") }}
{{- $_ := set $constraint "labelSelector" (dict "matchLabels" $selector) }}
{{- end }}
{{- $constraints = append $constraints $constraint }}
{{- end }}
{{- toYaml $constraints }}
{{- end }}

{{/*
Environment of the migration Job's containers. The ConfigMap does not exist yet
when a pre-install hook runs, so the settings are spelled out here.
`db upgrade` needs the owner's URL to migrate, the app role (and the app URL, which
tells it the database is PostgreSQL) to grant that role its rights, and the secret
key and the public address because every command refuses to start in production without them.
*/}}
{{- define "satupintu.migrationEnv" -}}
- name: SATUPINTU_ENV
  value: "production"
{{- with .Values.config.publicUrl }}
- name: SATUPINTU_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
- name: SATUPINTU_LOG_FORMAT
  value: {{ .Values.config.logFormat | default "json" | quote }}
- name: SATUPINTU_DB_APP_ROLE
  value: {{ required "database.appRole is required" .Values.database.appRole | quote }}
- name: SATUPINTU_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.jobAppSecretName" . }}
      key: SATUPINTU_DATABASE_URL
- name: SATUPINTU_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.jobAppSecretName" . }}
      key: SATUPINTU_SECRET_KEY
- name: SATUPINTU_MIGRATION_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.migrationSecretName" . }}
      key: SATUPINTU_MIGRATION_DATABASE_URL
{{- if .Values.database.createAppRole }}
- name: SATUPINTU_DB_APP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "satupintu.migrationSecretName" . }}
      key: SATUPINTU_DB_APP_PASSWORD
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .Values.migrations.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Ingress rules as YAML {rules: [{host, paths}]}: ingress.hosts first (a host name alone
gets path "/"), then, with ingress.includeTenantHosts, every host of config.tenantHosts
not listed yet. Host names are lower-cased and listed once.
*/}}
{{- define "satupintu.ingressRules" -}}
{{- $rootPath := list (dict "path" "/" "pathType" "Prefix") }}
{{- $order := list }}
{{- $paths := dict }}
{{- range .Values.ingress.hosts }}
{{- $entry := kindIs "string" . | ternary (dict "host" .) . }}
{{- $host := required "every ingress.hosts entry needs a host" $entry.host | lower }}
{{- if not (hasKey $paths $host) }}
{{- $order = append $order $host }}
{{- end }}
{{- $_ := set $paths $host ($entry.paths | default $rootPath) }}
{{- end }}
{{- if .Values.ingress.includeTenantHosts }}
{{- range (include "satupintu.tenantHostNames" . | splitList "\n" | compact) }}
{{- $host := . | trim | lower }}
{{- if not (hasKey $paths $host) }}
{{- $order = append $order $host }}
{{- $_ := set $paths $host $rootPath }}
{{- end }}
{{- end }}
{{- end }}
{{- $rules := list }}
{{- range $order }}
{{- $rules = append $rules (dict "host" . "paths" (get $paths .)) }}
{{- end }}
{{- toYaml (dict "rules" $rules) }}
{{- end }}
