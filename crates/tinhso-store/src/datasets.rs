//! The warehouse catalogue's metadata: datasets (definition as an opaque JSON
//! document owned by the warehouse crate) and their ingests.

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, Result};

use crate::{db_err, is_unique_violation, now, Store};

/// A catalogued dataset.
#[derive(Debug, Clone)]
pub struct DatasetRecord {
    pub id: i64,
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub zone: String,
    pub owner_agency_id: i64,
    /// The owner agency's materialised path ("/1/7/"), for scope checks.
    pub owner_path: String,
    pub owner_code: String,
    pub owner_name: String,
    pub sector: String,
    pub frequency: String,
    pub definition: String,
    pub demo: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What is written for a dataset (create or update).
#[derive(Debug, Clone)]
pub struct DatasetInput {
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub zone: String,
    pub owner_agency_id: i64,
    pub sector: String,
    pub frequency: String,
    pub definition: String,
    pub demo: bool,
}

/// One upload of a dataset: committed as a table version, or refused.
#[derive(Debug, Clone)]
pub struct IngestRecord {
    pub id: i64,
    pub dataset_id: i64,
    pub version: Option<i64>,
    pub status: String,
    pub mode: String,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub correct: i64,
    pub complete: i64,
    pub clean: i64,
    pub report: String,
    pub rejects_file: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const DATASET_COLUMNS: &str = "d.id, d.slug, d.name_vi, d.name_en, d.zone, d.owner_agency_id, a.path AS owner_path, \
     a.code AS owner_code, a.name_vi AS owner_name, d.sector, d.frequency, d.definition, d.demo, d.created_at, d.updated_at";
const INGEST_COLUMNS: &str = "id, dataset_id, version, status, mode, file_name, encoding, rows_read, rows_accepted, \
     rows_rejected, correct, complete, clean, report, rejects_file, created_by, created_at";

fn dataset_from_row(r: &AnyRow) -> Result<DatasetRecord> {
    Ok(DatasetRecord {
        id: r.try_get("id").map_err(db_err)?,
        slug: r.try_get("slug").map_err(db_err)?,
        name_vi: r.try_get("name_vi").map_err(db_err)?,
        name_en: r.try_get("name_en").map_err(db_err)?,
        zone: r.try_get("zone").map_err(db_err)?,
        owner_agency_id: r.try_get("owner_agency_id").map_err(db_err)?,
        owner_path: r.try_get("owner_path").map_err(db_err)?,
        owner_code: r.try_get("owner_code").map_err(db_err)?,
        owner_name: r.try_get("owner_name").map_err(db_err)?,
        sector: r.try_get("sector").map_err(db_err)?,
        frequency: r.try_get("frequency").map_err(db_err)?,
        definition: r.try_get("definition").map_err(db_err)?,
        demo: r.try_get::<i64, _>("demo").map_err(db_err)? != 0,
        created_at: r.try_get("created_at").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

fn ingest_from_row(r: &AnyRow) -> Result<IngestRecord> {
    Ok(IngestRecord {
        id: r.try_get("id").map_err(db_err)?,
        dataset_id: r.try_get("dataset_id").map_err(db_err)?,
        version: r.try_get("version").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        mode: r.try_get("mode").map_err(db_err)?,
        file_name: r.try_get("file_name").map_err(db_err)?,
        encoding: r.try_get("encoding").map_err(db_err)?,
        rows_read: r.try_get("rows_read").map_err(db_err)?,
        rows_accepted: r.try_get("rows_accepted").map_err(db_err)?,
        rows_rejected: r.try_get("rows_rejected").map_err(db_err)?,
        correct: r.try_get("correct").map_err(db_err)?,
        complete: r.try_get("complete").map_err(db_err)?,
        clean: r.try_get("clean").map_err(db_err)?,
        report: r.try_get("report").map_err(db_err)?,
        rejects_file: r.try_get("rejects_file").map_err(db_err)?,
        created_by: r.try_get("created_by").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

fn slug_taken(slug: &str) -> Error {
    Error::conflict(format!("Đã có bộ dữ liệu «{slug}»."), format!("A dataset «{slug}» already exists.")).at("slug")
}

impl Store {
    /// All datasets, ordered by slug (the caller filters by what it may see).
    pub async fn datasets(&self) -> Result<Vec<DatasetRecord>> {
        let sql = format!(
            "SELECT {DATASET_COLUMNS} FROM datasets d JOIN agencies a ON a.id = d.owner_agency_id ORDER BY d.slug"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(dataset_from_row).collect()
    }

    pub async fn dataset_by_slug(&self, slug: &str) -> Result<Option<DatasetRecord>> {
        let sql = format!(
            "SELECT {DATASET_COLUMNS} FROM datasets d JOIN agencies a ON a.id = d.owner_agency_id WHERE d.slug = $1"
        );
        let row = sqlx::query(&sql).bind(slug).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(dataset_from_row).transpose()
    }

    /// Inserts a dataset; the slug must be new.
    pub async fn create_dataset(&self, input: &DatasetInput, created_by: Option<i64>) -> Result<DatasetRecord> {
        let t = now();
        let res = sqlx::query(
            "INSERT INTO datasets (slug, name_vi, name_en, zone, owner_agency_id, sector, frequency, definition, demo, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&input.slug)
        .bind(&input.name_vi)
        .bind(&input.name_en)
        .bind(&input.zone)
        .bind(input.owner_agency_id)
        .bind(&input.sector)
        .bind(&input.frequency)
        .bind(&input.definition)
        .bind(i64::from(input.demo))
        .bind(created_by)
        .bind(t)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(slug_taken(&input.slug)),
            Err(e) => return Err(db_err(e)),
        }
        self.bump();
        self.dataset_by_slug(&input.slug).await?.ok_or_else(|| Error::internal("dataset vanished after insert"))
    }

    /// Replaces a dataset's descriptive fields and definition (the slug stays).
    pub async fn update_dataset(&self, id: i64, input: &DatasetInput) -> Result<DatasetRecord> {
        sqlx::query(
            "UPDATE datasets SET name_vi = $1, name_en = $2, zone = $3, owner_agency_id = $4, sector = $5, \
             frequency = $6, definition = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(&input.name_vi)
        .bind(&input.name_en)
        .bind(&input.zone)
        .bind(input.owner_agency_id)
        .bind(&input.sector)
        .bind(&input.frequency)
        .bind(&input.definition)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        self.bump();
        self.dataset_by_slug(&input.slug).await?.ok_or_else(|| Error::internal("dataset vanished after update"))
    }

    /// Records an ingest. A committed version number may be recorded only once per dataset.
    pub async fn insert_ingest(&self, rec: &IngestRecord) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dataset_ingests (dataset_id, version, status, mode, file_name, encoding, rows_read, \
             rows_accepted, rows_rejected, correct, complete, clean, report, rejects_file, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(rec.dataset_id)
        .bind(rec.version)
        .bind(&rec.status)
        .bind(&rec.mode)
        .bind(&rec.file_name)
        .bind(&rec.encoding)
        .bind(rec.rows_read)
        .bind(rec.rows_accepted)
        .bind(rec.rows_rejected)
        .bind(rec.correct)
        .bind(rec.complete)
        .bind(rec.clean)
        .bind(&rec.report)
        .bind(&rec.rejects_file)
        .bind(rec.created_by)
        .bind(rec.created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict(
                    format!("Phiên bản {} đã được ghi nhận.", rec.version.unwrap_or_default()),
                    format!("Version {} is already recorded.", rec.version.unwrap_or_default()),
                )
            } else {
                db_err(e)
            }
        })?;
        self.bump();
        Ok(id)
    }

    /// A dataset's ingests, newest first.
    pub async fn ingests(&self, dataset_id: i64) -> Result<Vec<IngestRecord>> {
        let sql = format!("SELECT {INGEST_COLUMNS} FROM dataset_ingests WHERE dataset_id = $1 ORDER BY id DESC");
        let rows = sqlx::query(&sql).bind(dataset_id).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(ingest_from_row).collect()
    }

    /// The newest committed ingest of every dataset (for catalogue lists and roll-ups).
    pub async fn latest_committed_ingests(&self) -> Result<Vec<IngestRecord>> {
        let sql = format!(
            "SELECT {INGEST_COLUMNS} FROM dataset_ingests WHERE id IN (SELECT MAX(id) FROM dataset_ingests \
             WHERE status = 'committed' GROUP BY dataset_id)"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(ingest_from_row).collect()
    }

    pub async fn ingest(&self, dataset_id: i64, ingest_id: i64) -> Result<Option<IngestRecord>> {
        let sql = format!("SELECT {INGEST_COLUMNS} FROM dataset_ingests WHERE dataset_id = $1 AND id = $2");
        let row =
            sqlx::query(&sql).bind(dataset_id).bind(ingest_id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(ingest_from_row).transpose()
    }

    pub async fn ingest_by_version(&self, dataset_id: i64, version: i64) -> Result<Option<IngestRecord>> {
        let sql = format!("SELECT {INGEST_COLUMNS} FROM dataset_ingests WHERE dataset_id = $1 AND version = $2");
        let row = sqlx::query(&sql).bind(dataset_id).bind(version).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(ingest_from_row).transpose()
    }
}
