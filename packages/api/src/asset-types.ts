// Cloud Asset v1's analyzeIamPolicy JSON shapes. Declared once, in @runiam/core/analyzer (the
// analyzer returns them); re-exported here as types only, so importing @runiam/api does not load
// the analyzer. Compat: google.cloud.asset.v1 IamPolicyAnalysisQuery, AnalyzeIamPolicyResponse.
export type {
  AccessControlList,
  AnalysisAccess,
  AnalysisEdge,
  AnalyzeIamPolicyResponse,
  EvaluationValue,
  IamPolicyAnalysis,
  IamPolicyAnalysisQuery,
  IamPolicyAnalysisResult,
  IdentityList,
} from '@runiam/core/analyzer'
